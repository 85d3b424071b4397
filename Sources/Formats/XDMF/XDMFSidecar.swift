import Foundation

/// An XDMF 3 description of fields stored in HDF5 on uniform periodic grids, so ParaView and VisIt
/// can open them (`2DCoRectMesh` / `3DCoRectMesh`; several grids, e.g. one per analysed scale, are blocks of one
/// domain).
///
/// XDMF lists dimensions slowest axis first, which is our array order (axis 0 first, the slab axis);
/// `ORIGIN_DXDY[DZ]` values follow the same order.
public struct XDMFSidecar: Sendable {
    /// One scalar field: a dataset of shape ``extents`` in an HDF5 file.
    public struct Field: Sendable {
        public let name: String
        /// The HDF5 file, relative to the sidecar's folder.
        public let file: String
        /// Dataset path inside the file, e.g. `/rho`.
        public let dataset: String
        public init(name: String, file: String, dataset: String) {
            self.name = name
            self.file = file
            self.dataset = dataset
        }
    }

    /// One uniform grid and the fields on it.
    public struct Grid: Sendable {
        public let name: String
        /// Points per axis, axis 0 first.
        public let extents: [Int]
        /// Grid spacing per axis.
        public let spacing: [Double]
        public let fields: [Field]

        public init(name: String, extents: [Int], spacing: [Double], fields: [Field]) {
            precondition(extents.count == spacing.count && (2...3).contains(extents.count))
            self.name = name
            self.extents = extents
            self.spacing = spacing
            self.fields = fields
        }
    }

    public let grids: [Grid]

    public init(grids: [Grid]) {
        self.grids = grids
    }

    public init(gridName: String, extents: [Int], spacing: [Double], fields: [Field]) {
        grids = [Grid(name: gridName, extents: extents, spacing: spacing, fields: fields)]
    }

    /// The XML document.
    public var xml: String {
        var lines = [
            #"<?xml version="1.0" ?>"#,
            #"<Xdmf Version="3.0">"#,
            "  <Domain>",
        ]
        for grid in grids { lines += gridLines(grid) }
        lines += ["  </Domain>", "</Xdmf>", ""]
        return lines.joined(separator: "\n")
    }

    private func gridLines(_ grid: Grid) -> [String] {
        let d = grid.extents.count
        let dims = grid.extents.map(String.init).joined(separator: " ")
        let origin = Array(repeating: "0", count: d).joined(separator: " ")
        let steps = grid.spacing.map { "\($0)" }.joined(separator: " ")
        let geometry = d == 2 ? "ORIGIN_DXDY" : "ORIGIN_DXDYDZ"
        var lines = [
            #"    <Grid Name="\#(escape(grid.name))" GridType="Uniform">"#,
            #"      <Topology TopologyType="\#(d)DCoRectMesh" Dimensions="\#(dims)"/>"#,
            #"      <Geometry GeometryType="\#(geometry)">"#,
            #"        <DataItem Name="Origin" Dimensions="\#(d)" NumberType="Float" Precision="8" Format="XML">\#(origin)</DataItem>"#,
            #"        <DataItem Name="Spacing" Dimensions="\#(d)" NumberType="Float" Precision="8" Format="XML">\#(steps)</DataItem>"#,
            "      </Geometry>",
        ]
        for field in grid.fields {
            lines += [
                #"      <Attribute Name="\#(escape(field.name))" AttributeType="Scalar" Center="Node">"#,
                #"        <DataItem Dimensions="\#(dims)" NumberType="Float" Precision="8" Format="HDF">\#(escape(field.file)):\#(escape(field.dataset))</DataItem>"#,
                "      </Attribute>",
            ]
        }
        lines.append("    </Grid>")
        return lines
    }

    /// Local: writes ``xml`` to `path` atomically (temporary file, then rename).
    public func write(to path: String) throws {
        try AtomicFile.write(xml, to: path)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

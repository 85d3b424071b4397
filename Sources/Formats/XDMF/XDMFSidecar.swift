import Foundation

/// An XDMF 3 description of grid fields stored in HDF5, so ParaView and VisIt draw every value at its lab
/// position (several grids, e.g. one per analysed scale, are blocks of one domain).
///
/// Our arrays are stored slab axis first, (y, x[, z]) (design.md, "Decomposition"), while XDMF's fastest index
/// is ParaView's X axis. So:
/// - a periodic 2D grid is a `3DCoRectMesh` of one layer, `Dimensions="1 n_y n_x"`, origin and spacing in XDMF's
///   (Z, Y, X) order (a `2DCoRectMesh` lands in ParaView's Y–Z plane);
/// - a 3D grid (whose fastest axis is z) and any sheared grid (stored in sheared coordinates x' = x − γ' y,
///   physics.md §1.5b) are a `3DSMesh` whose nodes' lab coordinates (x, y, z) are a dataset of the same HDF5
///   file (``Grid/coordinates``), written by ``FieldFile``. No rectilinear XDMF topology can permute axes or
///   tilt them.
public struct XDMFSidecar: Sendable {
    /// One scalar field on a grid: a dataset in an HDF5 file.
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

    /// One grid and the fields on it.
    public struct Grid: Sendable {
        public let name: String
        /// Points per axis in storage order (y, x[, z]).
        public let extents: [Int]
        /// Grid spacing per axis in storage order.
        public let spacing: [Double]
        /// The HDF5 file and dataset (shape extents + [3]) of the nodes' lab coordinates (x, y, z); nil for a
        /// periodic 2D grid, which needs none.
        public let coordinates: (file: String, dataset: String)?
        public let fields: [Field]

        public init(name: String, extents: [Int], spacing: [Double], coordinates: (file: String, dataset: String)?, fields: [Field]) {
            precondition(extents.count == spacing.count && (2...3).contains(extents.count))
            precondition(coordinates != nil || extents.count == 2, "3D grids need their node coordinates")
            self.name = name
            self.extents = extents
            self.spacing = spacing
            self.coordinates = coordinates
            self.fields = fields
        }

        /// Whether the nodes need explicit lab coordinates: 3D (storage order (y, x, z) is not XDMF's), or sheared.
        public static func needsCoordinates(dimension: Int, shear: Double) -> Bool { dimension == 3 || shear != 0 }
    }

    public let grids: [Grid]

    public init(grids: [Grid]) {
        self.grids = grids
    }

    /// The XML document.
    public var xml: String {
        var lines = [#"<?xml version="1.0" ?>"#, #"<Xdmf Version="3.0">"#, "  <Domain>"]
        for grid in grids { lines += gridLines(grid) }
        lines += ["  </Domain>", "</Xdmf>", ""]
        return lines.joined(separator: "\n")
    }

    private func gridLines(_ grid: Grid) -> [String] {
        let dims = (grid.extents.count == 2 ? [1] + grid.extents : grid.extents).map(String.init).joined(separator: " ")
        var lines = [#"    <Grid Name="\#(escape(grid.name))" GridType="Uniform">"#]
        if let coordinates = grid.coordinates {
            let nodes = grid.extents.reduce(1, *)
            lines += [
                #"      <Topology TopologyType="3DSMesh" Dimensions="\#(dims)"/>"#,
                #"      <Geometry GeometryType="XYZ">"#,
                #"        <DataItem Dimensions="\#(nodes) 3" NumberType="Float" Precision="8" Format="HDF">\#(escape(coordinates.file)):\#(escape(coordinates.dataset))</DataItem>"#,
                "      </Geometry>",
            ]
        } else {
            // XDMF lists (Z, Y, X); our (y, x) are ParaView's Y and X.
            let steps = "1 \(grid.spacing[0]) \(grid.spacing[1])"
            lines += [
                #"      <Topology TopologyType="3DCoRectMesh" Dimensions="\#(dims)"/>"#,
                #"      <Geometry GeometryType="ORIGIN_DXDYDZ">"#,
                #"        <DataItem Name="Origin" Dimensions="3" NumberType="Float" Precision="8" Format="XML">0 0 0</DataItem>"#,
                #"        <DataItem Name="Spacing" Dimensions="3" NumberType="Float" Precision="8" Format="XML">\#(steps)</DataItem>"#,
                "      </Geometry>",
            ]
        }
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

    /// Local: writes ``xml`` to `path` atomically.
    public func write(to path: String) throws {
        try AtomicFile.write(xml, to: path)
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

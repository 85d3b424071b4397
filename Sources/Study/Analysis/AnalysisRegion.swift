import Foundation
import Parallel

/// A region of the box for conditioned averages (`stressflux analyze --region`): the disk (3D: ball) of `radius`
/// around `center`, lab coordinates in l0, distances by minimum image (Lees–Edwards images with the snapshot's
/// strain). Given as `x,y[,z],r`, or as `events.csv:K`, plastic event K of a sheared run: centred on its centroid,
/// radius twice its radius of gyration (both |u|⁴-weighted over the non-affine displacement, so the disk holds the
/// particles that moved).
public struct AnalysisRegion: Codable, Sendable {
    public var center: [Double]
    public var radius: Double
    /// What the region was made from.
    public var source: String

    public init(center: [Double], radius: Double, source: String) {
        self.center = center
        self.radius = radius
        self.source = source
    }

    /// Parses a region's text; `dimension` components for the centre; errors name the parameter as `name`.
    public static func parse(_ text: String, dimension d: Int, name: String) throws -> AnalysisRegion {
        if let colon = text.lastIndex(of: ":"), let k = Int(text[text.index(after: colon)...]) {
            return try event(k, file: String(text[..<colon]), dimension: d, text: text, name: name)
        }
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == d + 1, values.allSatisfy({ $0?.isFinite == true }), let radius = values[d], radius > 0 else {
            throw StudyError.invalidOption(name: name, value: text, expected: "give the centre and radius x,y\(d == 3 ? ",z" : ""),r (l0), or events.csv:K for plastic event K")
        }
        return AnalysisRegion(center: values.prefix(d).map { $0! }, radius: radius, source: "disk \(text)")
    }

    private static func event(_ k: Int, file: String, dimension d: Int, text: String, name: String) throws -> AnalysisRegion {
        guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw StudyError.invalidOption(name: name, value: text, expected: "cannot read \(file): give the events.csv of a sheared run and an event number")
        }
        let lines = contents.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = lines.first?.split(separator: ",").map { String($0.split(separator: " ")[0]) } ?? []
        let columns = ["event", "centroid_x", "centroid_y", "centroid_z", "radius_of_gyration"].map { header.firstIndex(of: $0) }
        guard columns.allSatisfy({ $0 != nil }) else {
            throw StudyError.invalidOption(name: name, value: text, expected: "\(file) is not an events.csv (no event, centroid and radius_of_gyration columns)")
        }
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > columns.compactMap({ $0 }).max()!, Int(fields[columns[0]!]) == k else { continue }
            let values = columns.dropFirst().map { Double(fields[$0!]) }
            guard values.prefix(d).allSatisfy({ $0 != nil }), let gyration = values[3], gyration > 0 else { break }
            return AnalysisRegion(center: values.prefix(d).map { $0! }, radius: 2 * gyration, source: "event \(k) of \(file)")
        }
        throw StudyError.invalidOption(name: name, value: text, expected: "\(file) has no event \(k) with a centroid and radius of gyration")
    }

    /// This rank's grid samples inside the region (owned-sample order: planes along y, then x'[, z]) on a grid of
    /// spacing h in sheared coordinates x' = x − γ' y (`strain` γ' as the grid's).
    func mask(decomposition: SlabDecomposition, spacing h: Double, strain: Double, box: [Double]) -> [Bool] {
        GridSeparations(from: center, decomposition: decomposition, spacing: h, strain: strain, box: box).squaredDistances.map { $0 <= radius * radius }
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a reader of the sidecar needs, pulled out with Foundation's XMLParser (fails on malformed XML).
public struct XDMFSummary {
    public var gridName = "", topology = "", topologyDimensions = ""
    public var attributeDimensions: [String] = [], hdfPaths: [String] = []

    public init(path: String) throws {
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let delegate = Delegate()
        parser.delegate = delegate
        guard parser.parse() else { throw parser.parserError ?? CocoaError(.fileReadCorruptFile) }
        self = delegate.summary
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var summary = XDMFSummary()
        var inAttribute = false, text = "", currentFormat = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            switch name {
            case "Grid": summary.gridName = attributes["Name"] ?? ""
            case "Topology":
                summary.topology = attributes["TopologyType"] ?? ""
                summary.topologyDimensions = attributes["Dimensions"] ?? ""
            case "Attribute": inAttribute = true
            case "DataItem" where inAttribute:
                summary.attributeDimensions.append(attributes["Dimensions"] ?? "")
                currentFormat = attributes["Format"] ?? ""
                text = ""
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "DataItem" && inAttribute && currentFormat == "HDF" {
                summary.hdfPaths.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if name == "Attribute" { inAttribute = false }
        }
    }

    private init() {}
}

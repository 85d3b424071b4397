/// A real field on one rank's slab with `width` ghost planes on each side along axis 0, any number
/// of components, owning its storage and its ``HaloExchange``.
///
/// Storage is component-major: component c, local slot k (``HaloPlan`` numbering: slot k holds global
/// plane `start − width + k`), element e of the plane is at `(c · slots + k) · planeLength + e`.
public final class GhostedField {
    public let decomposition: SlabDecomposition
    /// Ghost planes on each side.
    public let width: Int
    /// Values per plane and component (e.g. n1, or n1·n2, or a padded row length).
    public let planeLength: Int
    public let components: Int
    /// All values, ghosts included.
    public let storage: UnsafeMutableBufferPointer<Double>
    public let exchange: HaloExchange

    /// Collective only through ``fillGhosts()`` and ``accumulateGhosts()``; creating it is local.
    /// Storage starts at zero.
    public init(decomposition: SlabDecomposition, width: Int, planeLength: Int, components: Int = 1) throws {
        precondition(planeLength > 0 && components > 0, "a field needs positive plane length and components")
        let plan = try HaloPlan(layout: decomposition.layout, rank: decomposition.rank, width: width)
        self.decomposition = decomposition
        self.width = width
        self.planeLength = planeLength
        self.components = components
        self.storage = .allocate(capacity: components * (2 * width + decomposition.count) * planeLength)
        storage.initialize(repeating: 0)
        self.exchange = HaloExchange(plan: plan, communicator: decomposition.communicator,
                                     valuesPerPlane: planeLength, components: components)
    }

    deinit { storage.deallocate() }

    /// Local slots (ghosts included).
    public var slots: Int { 2 * width + decomposition.count }
    /// The slots of the owned planes.
    public var ownedSlots: Range<Int> { width..<(width + decomposition.count) }

    /// The unwrapped global plane index of `slot` (negative or ≥ n0 for periodic images).
    public func globalPlane(ofSlot slot: Int) -> Int { decomposition.start - width + slot }

    /// The values of one plane of one component.
    public func plane(slot: Int, component: Int = 0) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: storage[((component * slots + slot) * planeLength)...]
            .prefix(planeLength))
    }

    /// Collective: copies every ghost plane from its owner (periodic images included).
    public func fillGhosts() { exchange.fill(self) }

    /// Collective: adds every ghost plane into the plane it images on its owner, then zeroes the ghosts
    /// (the reverse exchange, for deposition). The sum over all owned values equals the sum over all
    /// values before the call, up to rounding.
    public func accumulateGhosts() { exchange.accumulate(self) }
}

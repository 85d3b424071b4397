import Parallel

/// Halo exchange identities (issue: 1, 2, 4 ranks; widths 1, the thinnest slab, wider, and wider than
/// the box): every ghost plane holds its periodic image exactly, and the reverse exchange adds each
/// ghost into its owner exactly, conserving the global sum.
enum HaloSelfCheck {
    static func run(_ d: SlabDecomposition) throws -> [SelfCheck.Result] {
        let thin = d.layout.thinnest, n0 = d.grid.extents[0]
        let widths = Array(Set([1, thin, thin + 1, 2 * thin + 1, n0 + 1])).sorted()
        var results: [SelfCheck.Result] = []
        for components in [1, 3] {
            for width in widths {
                let field = try GhostedField(decomposition: d, width: width, planeLength: d.grid.planeSize,
                                             components: components)
                let tag = "\(d.grid.dimension)D \(d.grid) w=\(width) components=\(components)"
                results.append(.init(name: "halo fill \(tag)", error: fillError(field), tolerance: 0))
                let (valueError, sumError) = accumulateErrors(field)
                results.append(.init(name: "halo accumulate \(tag)", error: valueError, tolerance: 0))
                results.append(.init(name: "halo accumulate sum \(tag)", error: sumError, tolerance: 0))
            }
        }
        return results
    }

    /// Max over ranks and slots of |value − label of the periodic image|, after filling.
    static func fillError(_ field: GhostedField) -> Double {
        let layout = field.decomposition.layout, n = field.planeLength
        for c in 0..<field.components {
            for slot in 0..<field.slots {
                let plane = field.plane(slot: slot, component: c)
                let owned = field.ownedSlots.contains(slot)
                for e in 0..<n {
                    plane[e] = owned ? TestPattern.label(plane: field.globalPlane(ofSlot: slot), component: c,
                                                         element: e, planeLength: n) : -1
                }
            }
        }
        field.fillGhosts()
        var error = 0.0
        for c in 0..<field.components {
            for slot in 0..<field.slots {
                let image = layout.wrap(field.globalPlane(ofSlot: slot))
                let plane = field.plane(slot: slot, component: c)
                for e in 0..<n {
                    let expected = TestPattern.label(plane: image, component: c, element: e, planeLength: n)
                    error = max(error, abs(plane[e] - expected))
                }
            }
        }
        return field.decomposition.communicator.allreduce(error, .max)
    }

    /// An integer-valued contribution of rank r's slot k, so every sum below is exact.
    static func contribution(rank: Int, slot: Int, component: Int, element: Int) -> Double {
        Double(1 + (rank * 31 + slot * 7 + component * 3 + element) % 13)
    }

    /// After accumulating: max |owned − expected| (expected built from the layout alone, not the plan)
    /// and |global sum after − global sum before|, both reduced over ranks.
    static func accumulateErrors(_ field: GhostedField) -> (values: Double, sum: Double) {
        let d = field.decomposition, layout = d.layout, n = field.planeLength, w = field.width
        let comm = d.communicator
        var before = 0.0
        for c in 0..<field.components {
            for slot in 0..<field.slots {
                let plane = field.plane(slot: slot, component: c)
                for e in 0..<n {
                    plane[e] = contribution(rank: d.rank, slot: slot, component: c, element: e)
                    before += plane[e]
                }
            }
        }
        // Expected owned values: own value plus every ghost slot of every rank that images the plane.
        var expected = [Double](repeating: 0, count: field.components * d.count * n)
        for c in 0..<field.components {
            for local in 0..<d.count {
                for e in 0..<n {
                    expected[(c * d.count + local) * n + e] = contribution(rank: d.rank, slot: local + w, component: c, element: e)
                }
            }
            for r in 0..<layout.ranks {
                let ghostSlots = Array(0..<w) + Array((w + layout.counts[r])..<(2 * w + layout.counts[r]))
                for slot in ghostSlots {
                    let plane = layout.wrap(layout.starts[r] - w + slot)
                    guard layout.owner(ofPlane: plane) == d.rank else { continue }
                    let local = plane - d.start
                    for e in 0..<n {
                        expected[(c * d.count + local) * n + e] += contribution(rank: r, slot: slot, component: c, element: e)
                    }
                }
            }
        }
        field.accumulateGhosts()
        var valueError = 0.0, after = 0.0
        for c in 0..<field.components {
            for slot in 0..<field.slots {
                let plane = field.plane(slot: slot, component: c)
                let owned = field.ownedSlots.contains(slot)
                for e in 0..<n {
                    let target = owned ? expected[(c * d.count + slot - w) * n + e] : 0  // ghosts are zeroed
                    valueError = max(valueError, abs(plane[e] - target))
                    after += plane[e]
                }
            }
        }
        let sums = comm.allreduce([before, after], .sum)
        return (comm.allreduce(valueError, .max), abs(sums[1] - sums[0]))
    }
}

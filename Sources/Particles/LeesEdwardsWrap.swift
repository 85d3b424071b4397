/// Moves particle `i` of interleaved position and image arrays (dimension `d`, physical axes x, y[, z]) into
/// [0, L) per axis, counting the images crossed so that the unwrapped position is unchanged (physics.md §1.5b):
/// y first, since crossing the y faces k times moves x by −k γ L_y (`shift` = γ L_y), which the x wrap then takes
/// in. The engine's rebuild and written snapshots use this one function.
@inline(__always)
func wrapLeesEdwards(positions: inout [Double], images: inout [Int32], particle i: Int, dimension d: Int, box: [Double], shift: Double) {
    for step in 0..<d {
        let a = step == 0 ? 1 : step == 1 ? 0 : 2, length = box[a]
        var x = positions[i * d + a]
        let k = (x / length).rounded(.down)
        if k != 0 {
            x -= k * length
            images[i * d + a] += Int32(k)
            if a == 1 && shift != 0 { positions[i * d] -= k * shift }
        }
        if x >= length {  // rounding of x − kL
            x -= length
            images[i * d + a] += 1
            if a == 1 && shift != 0 { positions[i * d] -= shift }
        }
        positions[i * d + a] = x
    }
}

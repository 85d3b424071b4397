/// A Lees–Edwards box as the triclinic box through which GSD (HOOMD) and LAMMPS data files record the strain.
///
/// Strain γ makes the image lattice a₁ = (L_x, 0, 0), a₂ = (γ L_y, L_y, 0), a₃ = (0, 0, L_z)
/// (``ParticleSnapshot/strain``): a triclinic box with tilt xy = γ (HOOMD) or γ L_y (LAMMPS). Both formats
/// expect a small tilt (LAMMPS objects to |xy| > L_x/2), so the strain is written reduced:
/// γ' = γ − m L_x/L_y with m = round(γ L_y/L_x). Its a₂' = a₂ − m a₁ spans the same lattice, so only the x
/// image changes: n_x' = n_x + m n_y.
struct TriclinicShear {
    let lx: Double
    let ly: Double
    /// γ', with |γ' L_y| ≤ L_x/2.
    let strain: Double
    /// m: whole L_x/L_y strains taken off γ.
    let turns: Int64

    /// `box` holds at least (L_x, L_y); `strain` must be finite.
    init(box: [Double], strain: Double) {
        lx = box[0]
        ly = box[1]
        let m = (strain * ly / lx).rounded()
        turns = Int64(m)
        self.strain = strain - m * lx / ly
    }

    /// LAMMPS's tilt xy = γ' L_y.
    var tilt: Double { strain * ly }

    /// Our (x, y) with our images (n_x, n_y), as the same unwrapped point in the reduced lattice, moved by
    /// whole lattice vectors into the cell 0 ≤ y < L_y, 0 ≤ x − γ' (y − pivot) < L_x (up to rounding at its
    /// edges). LAMMPS's box is the cell with pivot 0, HOOMD's (centred on the origin) the one with pivot L_y/2.
    func cell(x: Double, y: Double, nx: Int64, ny: Int64, pivot: Double) -> (x: Double, y: Double, nx: Int64, ny: Int64) {
        let ky = (y / ly).rounded(.down)
        let y = y - ky * ly
        let x = x - ky * tilt
        let kx = ((x - strain * (y - pivot)) / lx).rounded(.down)
        return (x - kx * lx, y, nx + turns * ny + Int64(kx), ny + Int64(ky))
    }
}

import Foundation
import Particles
import TestSupport
import Testing
@testable import Formats

/// LAMMPS data files: hand-written `atomic` and `sphere` files parse to known snapshots, written files
/// read back bit for bit, and every malformed file gives its one-line `<path>:<line>: …` message.
/// Fixtures are written into a fresh temporary folder per test.
@Suite struct LAMMPSDataFileTests {
    static func folder() throws -> String { try Scratch.folder("stressflux-lammps") }

    /// Writes `text` to `<folder>/<name>` and returns the path.
    static func fixture(_ text: String, in folder: String, name: String = "in.data") throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }
}

// MARK: - Reading hand-written files

extension LAMMPSDataFileTests {
    /// Title with a timestep, comments, blank lines, ignored header keywords, zero tilt, Masses with names,
    /// Pair Coeffs, shuffled ids, image flags, atoms outside the box and a trailing Velocities section.
    static let atomicFile = """
        LAMMPS data file via write_data, version 2 Aug 2023, timestep = 1500, units = lj
        # hand-written: comments, blank lines, other header keywords and sections

        4 atoms            # count
        2 atom types
        0 bonds
        -5.0 5.0 xlo xhi
        0 4 ylo yhi
        -1.0 1.0 zlo zhi
        0.0 0 0 xy xz yz

        Masses

        1 1.0  # A
        2 2.0  # B

        Pair Coeffs # lj/cut

        1 1.0 1.0
        2 1.0 1.4

        Atoms # atomic

        10 2 -4.5 1.0 0.5 0 0 0
        3 1 6.0 3.5 -0.75 1 0 -2     # outside in x: wraps to 1.0 with ix 2
        7 1 -6.0 -0.5 0.0 0 0 0
        5 2 4.75 0.25 0.25 0 1 0

        Velocities

        10 0.1 0 0
        3 0 0 0
        7 0 0 0
        5 0 0 0

        """

    /// The snapshot of ``atomicFile`` with diameters 1 and 1.4: LAMMPS ids 3, 5, 7, 10 become 0…3,
    /// positions shifted by (−5, 0, −1) and wrapped, images carrying the wraps.
    static let atomicSnapshot = ParticleSnapshot(
        dimension: 3, box: [10, 4, 2], step: 1500, ids: [0, 1, 2, 3],
        positions: [1.0, 3.5, 0.25, 9.75, 0.25, 1.25, 9.0, 3.5, 1.0, 0.5, 1.0, 1.5],
        images: [2, 0, -2, 0, 1, 0, -1, -1, 0, 0, 0, 0],
        species: [0, 1, 0, 1], speciesNames: ["A", "B"], diameters: [1.0, 1.4, 1.0, 1.4])

    @Test func atomicFileParses() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture(Self.atomicFile, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 3, diameters: [1: 1.0, 2: 1.4])
        #expect(snapshot == Self.atomicSnapshot)
    }

    @Test func crlfLineEndingsParseTheSame() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture(Self.atomicFile.replacingOccurrences(of: "\n", with: "\r\n"), in: dir)
        #expect(try LAMMPSDataFile.read(path: path, dimension: 3, diameters: [1: 1.0, 2: 1.4]) == Self.atomicSnapshot)
    }

    /// 2D, no style hint and 7 fields (so `sphere`), no image flags, type labels (names and in atom lines),
    /// z column parsed and dropped, sphere Velocities (7 fields) skipped.
    @Test func sphereFileWithoutHintParsesIn2D() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture("""
            sphere configuration from a script

            # a disc packing: no style hint, no image flags
            3 atoms
            2 atom types
            10.0 20.0 xlo xhi   # x from 10
            -2.5 2.5 ylo yhi
            -0.5 0.5 zlo zhi

            Atom Type Labels

            1 small
            2 large

            Atoms

            2 small 1.0 1.0 10.5 0.0 0.0
            1 2 1.4 1.0 21.0 -3.0 0.0   # outside in x and y
            4 large 1.4 1.0 19.75 2.25 0.0

            Velocities

            1 0 0 0 0 0 0
            2 0 0 0 0 0 0
            4 0 0 0 0 0 0
            """, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 2)
        #expect(snapshot == ParticleSnapshot(
            dimension: 2, box: [10, 5], step: 0, ids: [0, 1, 2],
            positions: [1.0, 4.5, 0.5, 2.5, 9.75, 4.75], images: [1, -1, 0, 0, 0, 0],
            species: [1, 0, 1], speciesNames: ["small", "large"], diameters: [1.4, 1.0, 1.4]))
    }

    /// `Atoms # sphere` with image flags (10 fields); diameters passed by the caller are ignored.
    @Test func sphereFileWithHintAndImages() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture("""
            title

            2 atoms
            1 atom types
            0 8 xlo xhi
            0 8 ylo yhi
            0 8 zlo zhi

            Atoms # sphere

            2 1 0.5 1.9 7.5 0.5 8.5 -1 2 0
            1 1 1.5 1.9 0.25 0.5 0.75 0 0 3
            """, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 3, diameters: [1: 99])
        #expect(snapshot == ParticleSnapshot(
            dimension: 3, box: [8, 8, 8], step: 0, ids: [0, 1],
            positions: [0.25, 0.5, 0.75, 7.5, 0.5, 0.5], images: [0, 0, 3, -1, 2, 1],
            species: [0, 0], speciesNames: ["1"], diameters: [1.5, 0.5]))
    }

    /// 8 fields without a hint is `atomic`; names default to type numbers; a 2D atomic file drops z.
    @Test func atomicFileWithoutHintIn2D() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture("""
            title

            2 atoms
            3 atom types
            0 6 xlo xhi
            0 3 ylo yhi

            Atoms

            1 3 5.5 2.5 0.0 0 0 0
            2 1 -0.5 1.0 0.0 0 4 0
            """, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 2, diameters: [1: 1.0, 3: 2.0])
        #expect(snapshot == ParticleSnapshot(
            dimension: 2, box: [6, 3], step: 0, ids: [0, 1], positions: [5.5, 2.5, 5.5, 1.0],
            images: [0, 0, -1, 4], species: [2, 0], speciesNames: ["1", "2", "3"], diameters: [2.0, 1.0]))
    }

    /// A tilt xy is the strain xy/L_y: an atom above the box (y − ylo = 2.5 in L_y = 2) is wrapped to
    /// y = 0.5 with n_y = 1 and moves back along x by xy = 0.5, so its unwrapped position is LAMMPS's;
    /// exact (small binary fractions).
    @Test func tiltedFileReadsAsStrain() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture("""
            title

            2 atoms
            1 atom types
            0 4 xlo xhi
            -1 1 ylo yhi
            -1 1 zlo zhi
            0.5 0 0 xy xz yz

            Atoms # atomic

            1 1 1.0 1.5 0.0 0 0 0
            2 1 3.75 -0.5 0.5 2 -1 1
            """, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 3, diameters: [1: 1.0])
        var expected = ParticleSnapshot(
            dimension: 3, box: [4, 2, 2], step: 0, ids: [0, 1], positions: [0.5, 0.5, 1.0, 3.75, 0.5, 1.5],
            images: [0, 1, 0, 2, -1, 1], species: [0, 0], speciesNames: ["1"], diameters: [1.0, 1.0])
        expected.strain = 0.25
        #expect(snapshot == expected)
    }

    @Test func wrappingKeepsUnwrappedPositions() {
        let length = 3.7
        for s in [-1e-17, -3.7, 3.7, 3.7.nextDown, 11.1, -11.100000000000001, 0.0, 1e-300, -7.4 * 1e6] {
            let (wrapped, shift) = LAMMPSDataFile.wrap(s, into: length)
            #expect(wrapped >= 0 && wrapped < length, "s = \(s)")
            let unwrapped = wrapped + Double(shift ?? 0) * length
            #expect(abs(unwrapped - s) <= 4 * s.magnitude.ulp.nextUp + length.ulp, "s = \(s)")
        }
    }
}

extension LAMMPSDataFileTests {
    /// `write_data` output of LAMMPS (29 Sep 2021) after 500 steps of soft spheres in the box
    /// [−2, 2) × [−1.5, 1.5) × [−1, 1.25), and the unwrapped positions LAMMPS dumped at the same step
    /// (`dump custom … id xu yu zu`, `%.17g`), by id.
    static let lammpsSphereFile = """
        LAMMPS data file via write_data, version 29 Sep 2021, timestep = 500

        5 atoms
        2 atom types

        -2 2 xlo xhi
        -1.5 1.5 ylo yhi
        -1 1.25 zlo zhi

        Atoms # sphere

        5 2 1.4 0.3644314868804665 -1.0946474509570756 1.0318119700339063 0.7949201811945128 -1 0 0
        2 1 1 1 0.017726531849249737 -0.9456483461652213 -0.8344768976496585 0 2 0
        3 1 1 1 -0.6304233988115859 -0.12168774407725727 0.7062418160489335 1 1 2
        4 2 1.4 0.3644314868804665 0.8694535562058 -0.6382040236743444 0.2663648861514273 1 -1 -2
        1 1 1 1 1.401398081404076 -0.175630328321538 1.0660682588790744 0 -1 -1

        Velocities

        5 1.283853035910731 0.7648032324609698 2.1605330398132994 0 0 0
        2 -1.9613732381752644 -0.5182759743017205 1.7452259077096957 0 0 0
        3 -0.8001533508179846 2.5050940542318103 -3.833264720219136 0 0 0
        4 4.416152426814472 0.6110975109978459 -1.7730068587903505 0 0 0
        1 -2.938478873731947 -3.3627188233889047 1.7005126314864945 0 0 0
        """
    static let lammpsUnwrapped: [[Double]] = [
        [1.4013980814040761, -3.1756303283215379, -1.1839317411209256],
        [0.017726531849249737, 5.0543516538347788, -0.83447689764965849],
        [3.3695766011884141, 2.8783122559227428, 5.2062418160489337],
        [4.8694535562057997, -3.6382040236743443, -4.2336351138485728],
        [-5.0946474509570754, 1.0318119700339063, 0.7949201811945128],
    ]

    /// Our positions + images · L + lo reproduce LAMMPS's own unwrapped coordinates.
    @Test func lammpsWriteDataOutputMatchesItsUnwrappedDump() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture(Self.lammpsSphereFile, in: dir)
        let snapshot = try LAMMPSDataFile.read(path: path, dimension: 3)
        #expect(snapshot.step == 500)
        #expect(snapshot.box == [4, 3, 2.25])
        #expect(snapshot.ids == [0, 1, 2, 3, 4])
        #expect(snapshot.species == [0, 0, 0, 1, 1])
        #expect(snapshot.speciesNames == ["1", "2"])
        #expect(snapshot.diameters == [1, 1, 1, 1.4, 1.4])
        let lower = [-2.0, -1.5, -1.0]
        for (k, expected) in Self.lammpsUnwrapped.enumerated() {
            for axis in 0..<3 {
                let position = snapshot.positions[k * 3 + axis]
                #expect(position >= 0 && position < snapshot.box[axis])
                let unwrapped = position + Double(snapshot.images[k * 3 + axis]) * snapshot.box[axis] + lower[axis]
                #expect(abs(unwrapped - expected[axis]) < 1e-14, "particle \(k) axis \(axis)")
            }
        }
    }
}

// MARK: - Writing and round trips

extension LAMMPSDataFileTests {

    /// A three-species snapshot in shuffled id order, with awkward positions (0, just below L,
    /// subnormal, thirds) and images in −3…3.
    static func randomSnapshot(dimension d: Int, count n: Int = 300, seed: UInt64) -> ParticleSnapshot {
        var rng = SplitMix64(state: seed)
        let box = (0..<d).map { _ in Double.random(in: 5..<20, using: &rng) }
        let typeDiameter = [1.0, 1.4, 0.7000000000000001]
        var positions: [Double] = [], images: [Int32] = [], species: [Int32] = []
        for p in 0..<n {
            for axis in 0..<d {
                let special = [0.0, box[axis].nextDown, Double.leastNonzeroMagnitude, box[axis] / 3, 1e-300]
                positions.append(p < special.count ? special[p] : Double.random(in: 0..<box[axis], using: &rng))
                images.append(Int32.random(in: -3...3, using: &rng))
            }
            species.append(Int32.random(in: 0...2, using: &rng))
        }
        return ParticleSnapshot(dimension: d, box: box, step: 42, ids: Array(0..<n).shuffled(using: &rng),
                                positions: positions, images: images, species: species,
                                speciesNames: ["A", "B", "C"], diameters: species.map { typeDiameter[Int($0)] })
    }

    /// `snapshot` with its particles reordered by id.
    static func sortedByID(_ snapshot: ParticleSnapshot) -> ParticleSnapshot {
        let d = snapshot.dimension
        let order = snapshot.ids.indices.sorted { snapshot.ids[$0] < snapshot.ids[$1] }
        var sorted = snapshot
        sorted.ids = order.map { snapshot.ids[$0] }
        sorted.positions = order.flatMap { p in (0..<d).map { snapshot.positions[p * d + $0] } }
        sorted.images = order.flatMap { p in (0..<d).map { snapshot.images[p * d + $0] } }
        sorted.species = order.map { snapshot.species[$0] }
        sorted.diameters = order.map { snapshot.diameters[$0] }
        return sorted
    }

    @Test(arguments: [2, 3])
    func writeThenReadIsExact(dimension: Int) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = Self.randomSnapshot(dimension: dimension, seed: UInt64(dimension))
        let path = dir + "/out.data"
        try LAMMPSDataFile.write(original, to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let diameters = try #require(LAMMPSDataFile.typeDiameters(of: original))
        let read = try LAMMPSDataFile.read(path: path, dimension: dimension, diameters: diameters)
        let expected = Self.sortedByID(original)
        #expect(read == expected)
        #expect(read.positions.map(\.bitPattern) == expected.positions.map(\.bitPattern))
        #expect(read.box.map(\.bitPattern) == expected.box.map(\.bitPattern))
    }

    @Test func writtenFileHasTheLAMMPSLayout() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snapshot = ParticleSnapshot(dimension: 2, box: [4, 2.5], step: 7, ids: [1, 0],
                                        positions: [0.5, 0.25, 3.5, 2], images: [1, -1, 0, 0], species: [1, 0],
                                        speciesNames: ["A", "B"], diameters: [1.4, 1.0])
        let path = dir + "/out.data"
        try LAMMPSDataFile.write(snapshot, to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "LAMMPS data file written by StressFlux, timestep = 7, units = lj")
        let expectedBody: [Substring] = [
            "2 atoms", "2 atom types", "",
            "0.0 4.0 xlo xhi", "0.0 2.5 ylo yhi", "-0.5 0.5 zlo zhi", "",
            "# StressFlux species and diameters per atom type (atom_style atomic keeps no diameter):",
            "# type 1: species A, diameter 1.0", "# type 2: species B, diameter 1.4", "",
            "Masses", "", "1 1.0 # A", "2 1.0 # B", "",
            "Atoms # atomic", "",
            "1 1 3.5 2.0 0.0 0 0 0", "2 2 0.5 0.25 0.0 1 -1 0", "",
        ]
        #expect(Array(lines.dropFirst(2)) == expectedBody)
        let read = try LAMMPSDataFile.read(path: path, dimension: 2, diameters: [1: 1.0, 2: 1.4])
        #expect(read == Self.sortedByID(snapshot))
    }

    /// Sheared snapshots (strains 0.013, 0.6, −1.7 and 3.2, random boxes with L_x ≠ L_y) come back with ids
    /// in id order, a strain of the same image lattice (γ_read − γ a whole multiple of L_x/L_y to 1e-12 of
    /// it), reduced (|γ_read L_y| ≤ L_x/2), and the same unwrapped positions (each computed with its
    /// snapshot's own strain and images) to 1e-12 of the largest box length: numbers are written exactly,
    /// and only the whole box lengths and tilts added to x and taken off again round, by ulps of x.
    @Test(arguments: [2, 3])
    func shearedWriteThenRead(dimension: Int) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (k, strain) in [0.013, 0.6, -1.7, 3.2].enumerated() {
            var original = Self.randomSnapshot(dimension: dimension, seed: UInt64(10 * dimension + k))
            original.strain = strain
            let path = dir + "/sheared\(k).data"
            try LAMMPSDataFile.write(original, to: path)
            let diameters = try #require(LAMMPSDataFile.typeDiameters(of: original))
            let read = try LAMMPSDataFile.read(path: path, dimension: dimension, diameters: diameters)
            let expected = Self.sortedByID(original)
            #expect(read.ids == Array(0..<original.count))
            #expect(read.box == expected.box && read.species == expected.species && read.diameters == expected.diameters)
            #expect(read.hasShearLattice(of: expected, tolerance: 1e-12), "strain \(read.strain) for \(strain)")
            #expect(abs(read.strain * read.box[1]) <= read.box[0] / 2 * (1 + 1e-12), "strain \(read.strain) is not reduced")
            #expect(read.positions.indices.allSatisfy { read.positions[$0] >= 0 && read.positions[$0] < read.box[$0 % dimension] })
            let error = zip(read.unwrappedPositions, expected.unwrappedPositions).map { abs($0 - $1) }.max() ?? 0
            #expect(error <= 1e-12 * read.box.max()!, "strain \(strain): unwrapped positions differ by \(error)")
        }
    }

    /// A sheared snapshot (strain 2.5 in L_x = 4, L_y = 2: reduced by one L_x/L_y to 0.5, tilt xy = 1) gets
    /// the tilt line, atoms inside the tilted box (0 ≤ x − xy y/L_y < L_x) with x images raised by n_y and
    /// by the L_x taken off, and reads back exactly with strain 0.5 (small binary fractions).
    @Test func writtenShearedFileHasTheTiltLine() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var snapshot = ParticleSnapshot(dimension: 2, box: [4, 2], step: 7, ids: [1, 0],
                                        positions: [0.5, 1.5, 3.5, 0.25], images: [1, -1, 0, 2], species: [1, 0],
                                        speciesNames: ["A", "B"], diameters: [1.4, 1.0])
        snapshot.strain = 2.5
        let path = dir + "/out.data"
        try LAMMPSDataFile.write(snapshot, to: path)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(Array(lines[3...6]) == ["0.0 4.0 xlo xhi", "0.0 2.0 ylo yhi", "-0.5 0.5 zlo zhi", "1.0 0.0 0.0 xy xz yz"])
        #expect(Array(lines.suffix(2)) == ["1 1 3.5 0.25 0.0 2 2 0", "2 2 4.5 1.5 0.0 -1 -1 0"])
        var expected = ParticleSnapshot(dimension: 2, box: [4, 2], step: 7, ids: [0, 1],
                                        positions: [3.5, 0.25, 0.5, 1.5], images: [2, 2, 0, -1], species: [0, 1],
                                        speciesNames: ["A", "B"], diameters: [1.0, 1.4])
        expected.strain = 0.5
        #expect(try LAMMPSDataFile.read(path: path, dimension: 2, diameters: [1: 1.0, 2: 1.4]) == expected)
    }

    @Test func polydisperseSpeciesHaveNoTypeDiameters() {
        var snapshot = Self.randomSnapshot(dimension: 3, count: 10, seed: 9)
        #expect(LAMMPSDataFile.typeDiameters(of: snapshot) != nil)
        snapshot.diameters[snapshot.species.firstIndex(of: snapshot.species[0])!] += 0.01
        #expect(LAMMPSDataFile.typeDiameters(of: snapshot) == nil)
    }

    /// A failed write leaves an existing file untouched and no `.partial` behind; a missing folder
    /// gives the write error.
    @Test func failedWritesLeaveNoPartialFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.data"
        let good = Self.randomSnapshot(dimension: 3, count: 5, seed: 1)
        try LAMMPSDataFile.write(good, to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        var bad = good
        bad.positions[4] = .nan
        #expect(throws: LAMMPSDataError.nonFinitePosition(path: path, id: bad.ids[1])) {
            try LAMMPSDataFile.write(bad, to: path)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))

        let nowhere = dir + "/missing/out.data"
        let error = #expect(throws: FormatError.self) { try LAMMPSDataFile.write(good, to: nowhere) }
        guard case .write(let errorPath, _)? = error else {
            Issue.record("expected a write error, got \(String(describing: error))")
            return
        }
        #expect(errorPath == nowhere)
        #expect(error?.description.hasPrefix("\(nowhere): could not write (") == true)
    }
}

// MARK: - Errors

extension LAMMPSDataFileTests {
    /// A malformed file, how it is read, and the error it must give (a function of the fixture's path).
    struct BadFile: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        var dimension = 3
        var diameters: [Int: Double] = [1: 1.0]
        let expected: @Sendable (String) -> LAMMPSDataError
        var testDescription: String { name }

        /// A file whose header lines start at line 3 and whose `Atoms` keyword is at line 9 (with the
        /// default five header lines), atom lines from line 11.
        static let box = "0 10 xlo xhi\n0 10 ylo yhi\n0 10 zlo zhi"

        static func file(header: String = "2 atoms\n1 atom types\n" + box,
                         atoms: String = "1 1 1.0 1.0 1.0\n2 1 2.0 2.0 2.0", keyword: String = "Atoms",
                         tail: String = "") -> String {
            "title\n\n\(header)\n\n\(keyword)\n\n\(atoms)\n\(tail)"
        }

        static let all: [BadFile] = [
            BadFile(name: "missing Atoms section", text: "title\n\n2 atoms\n1 atom types\n\nMasses\n\n1 1.0\n") {
                .missingAtoms(path: $0, line: 8, declared: 2)
            },
            BadFile(name: "fewer atom lines than the header", text: file(header: "3 atoms\n1 atom types\n" + box)) {
                .atomCountMismatch(path: $0, line: 9, declared: 3, found: 2)
            },
            BadFile(name: "more atom lines than the header", text: file(header: "1 atoms\n1 atom types\n" + box)) {
                .atomCountMismatch(path: $0, line: 9, declared: 1, found: 2)
            },
            BadFile(name: "type without a diameter",
                    text: file(header: "2 atoms\n2 atom types\n" + box,
                               atoms: "1 1 1.0 1.0 1.0\n2 2 2.0 2.0 2.0")) {
                .missingDiameter(path: $0, line: 12, type: 2)
            },
            BadFile(name: "non-numeric coordinate", text: file(atoms: "1 1 1.0 abc 1.0\n2 1 2.0 2.0 2.0")) {
                .notANumber(path: $0, line: 11, field: "y", text: "abc", wholeNumber: false)
            },
            BadFile(name: "non-integer id", text: file(atoms: "1 1 1.0 1.0 1.0\n2.5 1 2.0 2.0 2.0")) {
                .notANumber(path: $0, line: 12, field: "atom id", text: "2.5", wholeNumber: true)
            },
            BadFile(name: "non-integer image flag", text: file(atoms: "1 1 1.0 1.0 1.0 0 0 0\n2 1 2.0 2.0 2.0 0 x 0")) {
                .notANumber(path: $0, line: 12, field: "image flag", text: "x", wholeNumber: true)
            },
            BadFile(name: "zero sphere diameter",
                    text: file(atoms: "1 1 1.0 1.0 1 1 1\n2 1 0.0 1.0 2 2 2", keyword: "Atoms # sphere")) {
                .nonPositiveDiameter(path: $0, line: 12, value: 0)
            },
            BadFile(name: "negative sphere density", text: file(atoms: "1 1 1.0 -0.2 1 1 1\n2 1 1.0 1.0 2 2 2")) {
                .nonPositiveDensity(path: $0, line: 11, value: -0.2)
            },
            BadFile(name: "non-positive diameter passed", text: file(), diameters: [1: -1]) {
                .badTypeDiameter(path: $0, line: 11, type: 1, value: -1)
            },
            BadFile(name: "non-zero xz tilt",
                    text: file(header: "2 atoms\n1 atom types\n" + box + "\n0.5 0.5 0 xy xz yz")) {
                .triclinic(path: $0, line: 8, keyword: "xy xz yz")
            },
            BadFile(name: "non-zero yz tilt",
                    text: file(header: "2 atoms\n1 atom types\n" + box + "\n0 0 -0.25 xy xz yz")) {
                .triclinic(path: $0, line: 8, keyword: "xy xz yz")
            },
            BadFile(name: "general triclinic box", text: file(header: "2 atoms\n1 atom types\n1 0 0 avec")) {
                .triclinic(path: $0, line: 5, keyword: "avec")
            },
            BadFile(name: "duplicate id", text: file(atoms: "4 1 1.0 1.0 1.0\n4 1 2.0 2.0 2.0")) {
                .duplicateID(path: $0, line: 12, id: 4, firstLine: 11)
            },
            BadFile(name: "zero id", text: file(atoms: "0 1 1.0 1.0 1.0\n2 1 2.0 2.0 2.0")) {
                .nonPositiveID(path: $0, line: 11, id: 0)
            },
            BadFile(name: "type beyond the header", text: file(atoms: "1 1 1.0 1.0 1.0\n2 3 2.0 2.0 2.0")) {
                .typeOutOfRange(path: $0, line: 12, type: 3, types: 1)
            },
            BadFile(name: "unknown type label", text: file(atoms: "1 A 1.0 1.0 1.0\n2 1 2.0 2.0 2.0")) {
                .unknownTypeLabel(path: $0, line: 11, label: "A")
            },
            BadFile(name: "field count of no style", text: file(atoms: "1 1 0.5 1.0 1.0 1.0\n2 1 0.5 2.0 2.0 2.0")) {
                .columnCount(path: $0, line: 11, style: nil, found: 6)
            },
            BadFile(name: "field count against the hint",
                    text: file(atoms: "1 1 1.0 1.0 1 1 1\n2 1 1.0 1.0 2 2 2", keyword: "Atoms # atomic")) {
                .columnCount(path: $0, line: 11, style: .atomic, found: 7)
            },
            BadFile(name: "image flags on some lines only", text: file(atoms: "1 1 1.0 1.0 1.0 0 0 0\n2 1 2.0 2.0 2.0")) {
                .inconsistentColumns(path: $0, line: 12, found: 5, expected: 8, firstLine: 11)
            },
            BadFile(name: "unsupported style", text: file(keyword: "Atoms # full")) {
                .unsupportedStyle(path: $0, line: 9, style: "full")
            },
            BadFile(name: "no blank line after Atoms", text: "title\n\n1 atoms\n1 atom types\nAtoms\n1 1 1.0 1.0 1.0\n") {
                .expectedBlankLine(path: $0, line: 6, section: "Atoms")
            },
            BadFile(name: "empty box", text: file(header: "2 atoms\n1 atom types\n5 5 xlo xhi")) {
                .emptyBox(path: $0, line: 5, axis: "x", lo: 5, hi: 5)
            },
            BadFile(name: "no atoms header line", text: file(header: "1 atom types\n0 10 xlo xhi")) {
                .missingHeader(path: $0, line: 6, keyword: "atoms")
            },
            BadFile(name: "no atom types header line", text: file(header: "2 atoms\n0 10 xlo xhi")) {
                .missingHeader(path: $0, line: 6, keyword: "atom types")
            },
            BadFile(name: "fractional atom count", text: file(header: "2.5 atoms\n1 atom types")) {
                .badHeaderLine(path: $0, line: 3, keyword: "atoms")
            },
            BadFile(name: "one box bound", text: file(header: "2 atoms\n1 atom types\n0 ylo yhi")) {
                .badHeaderLine(path: $0, line: 5, keyword: "ylo yhi")
            },
            BadFile(name: "data line instead of a section", text: "title\n\n2 atoms\n1 atom types\nC 12.0\n") {
                .unexpectedLine(path: $0, line: 5)
            },
            BadFile(name: "two Atoms sections", text: file(tail: "\nAtoms\n\n3 1 1.0 1.0 1.0\n")) {
                .duplicateSection(path: $0, line: 14, name: "Atoms", firstLine: 9)
            },
            BadFile(name: "atom far outside the box", text: file(atoms: "1 1 1e12 1.0 1.0\n2 1 2.0 2.0 2.0")) {
                .imageOutOfRange(path: $0, line: 11)
            },
        ]
    }

    @Test(arguments: BadFile.all)
    func malformedFilesGiveOneLineErrors(_ bad: BadFile) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Self.fixture(bad.text, in: dir)
        let expected = bad.expected(path)
        #expect(throws: expected) {
            try LAMMPSDataFile.read(path: path, dimension: bad.dimension, diameters: bad.diameters)
        }
        let message = expected.description
        #expect(!message.contains("\n"))
        #expect(message.range(of: #"^\S+:\d+: [^,]+.*, .+$"#, options: .regularExpression) != nil, "\(message)")
        #expect(message.hasPrefix(path + ":"))
    }

    @Test func missingUnreadableAndCompressedFiles() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/nope.data"
        #expect(throws: LAMMPSDataError.missingFile(path: missing)) {
            try LAMMPSDataFile.read(path: missing, dimension: 3)
        }
        #expect(LAMMPSDataError.missingFile(path: missing).description == "\(missing): no such file, check the path")
        #expect(throws: LAMMPSDataError.unreadable(path: dir, reason: "it is a folder")) {
            try LAMMPSDataFile.read(path: dir, dimension: 3)
        }
        let gz = dir + "/in.data.gz"
        try Data([0x1F, 0x8B, 0x08, 0x00]).write(to: URL(fileURLWithPath: gz))
        #expect(throws: LAMMPSDataError.compressed(path: gz)) { try LAMMPSDataFile.read(path: gz, dimension: 3) }
    }

    /// A few messages in full, as the user sees them.
    @Test func messagesReadWell() {
        #expect(LAMMPSDataError.atomCountMismatch(path: "a.data", line: 9, declared: 3, found: 2).description
                == "a.data:9: the Atoms section has 2 atom lines but the header declares 3 atoms, "
                + "make the 'atoms' header line match the section")
        #expect(LAMMPSDataError.missingDiameter(path: "a.data", line: 12, type: 2).description
                == "a.data:12: atom type 2 has no diameter, pass a diameter for every atom type of an atom_style atomic file")
        #expect(LAMMPSDataError.triclinic(path: "a.data", line: 8, keyword: "xy xz yz").description
                == "a.data:8: non-zero tilt factors xz or yz are not supported (only xy, a sheared box), "
                + "set xz and yz to 0 in the 'xy xz yz' line")
        #expect(LAMMPSDataError.notANumber(path: "a.data", line: 11, field: "y", text: "abc", wholeNumber: false).description
                == "a.data:11: y 'abc' is not a finite number, write it as a decimal like 1.25 or 1e-3")
    }
}

// MARK: - Reading in blocks

extension LAMMPSDataFileTests {
    /// What `readBlock` does on `parts` ranks, on one process: every block parsed from its own excerpt, the lowest
    /// failing block's error (what ``Communicator/agree(_:)`` reports), else all blocks' atoms in id order.
    static func readInBlocks(path: String, dimension: Int, diameters: [Int: Double], parts: Int,
                             bufferSize: Int = 1 << 22) throws -> ParticleSnapshot {
        var pooled: LAMMPSDataFile.AtomBlock? = nil
        for k in 0..<parts {
            let excerpt = try LAMMPSDataFile.excerpt(path: path, block: k, of: parts, bufferSize: bufferSize)
            var reader = LAMMPSDataFile.Reader(path: path, excerpt: excerpt, dimension: dimension)
            let block = try reader.block(typeDiameters: diameters)
            guard var all = pooled else { pooled = block; continue }
            let rows = all.atoms.rows(forces: false, virials: false) + block.atoms.rows(forces: false, virials: false)
            let stride = ParticleSnapshot.rowStride(dimension: dimension, forces: false, virials: false, extra: [])
            let order = (0..<(rows.count / stride)).sorted { rows[$0 * stride] < rows[$1 * stride] }
            let lines = all.lines + block.lines
            all.atoms = all.atoms.fromRows(rows, forces: false, virials: false).0
            all.lines = order.map { lines[$0] }
            pooled = all
        }
        return try pooled!.inIDOrder(path: path, firstID: 0)
    }

    /// The outcome of a read as text: the snapshot or the error's message.
    static func outcome(_ read: () throws -> ParticleSnapshot) -> String {
        do { return "\(try read())" } catch { return "error: \(error)" }
    }

    /// Blocks of 2, 3 and 5 ranks read what the whole file reads, value for value, and fail with the whole file's
    /// message (line numbers included) on every malformed file; lines split across the read buffer (1 to 13 bytes,
    /// CRLF endings) read the same; an excerpt keeps its block's atom lines and not the others' or the Velocities.
    @Test func blocksReadAsTheWholeFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var cases: [(path: String, dimension: Int, diameters: [Int: Double])] = [
            (try Self.fixture(Self.atomicFile, in: dir, name: "atomic.data"), 3, [1: 1.0, 2: 1.4]),
        ]
        for dimension in [2, 3] {
            let original = Self.randomSnapshot(dimension: dimension, seed: UInt64(10 + dimension))
            let path = dir + "/random\(dimension).data"
            try LAMMPSDataFile.write(original, to: path)
            cases.append((path, dimension, try #require(LAMMPSDataFile.typeDiameters(of: original))))
        }
        for (k, bad) in BadFile.all.enumerated() {
            cases.append((try Self.fixture(bad.text, in: dir, name: "bad\(k).data"), bad.dimension, bad.diameters))
        }
        for file in cases {
            let whole = Self.outcome { try LAMMPSDataFile.read(path: file.path, dimension: file.dimension, diameters: file.diameters) }
            for parts in [2, 3, 5] {
                let blocks = Self.outcome {
                    try Self.readInBlocks(path: file.path, dimension: file.dimension, diameters: file.diameters, parts: parts)
                }
                #expect(blocks == whole, "\(file.path) in \(parts) blocks")
            }
        }

        let crlf = try Self.fixture(Self.atomicFile.replacingOccurrences(of: "\n", with: "\r\n"), in: dir, name: "crlf.data")
        for size in 1...13 {
            #expect(try Self.readInBlocks(path: crlf, dimension: 3, diameters: [1: 1.0, 2: 1.4], parts: 2, bufferSize: size)
                    == Self.atomicSnapshot, "buffer of \(size) bytes")
        }

        let atomic = cases[0].path
        let kept = try (0..<2).map { try LAMMPSDataFile.excerpt(path: atomic, block: $0, of: 2).numbers }
        // Title, header (lines 4–10), Masses (12–15), the keyword lines of Pair Coeffs, Atoms and Velocities with the
        // lines after them; the atom lines are 24–27.
        let shared = [1, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15, 17, 18, 22, 23, 29, 30]
        #expect(kept[0] == (shared + [24, 25]).sorted(), "block 0: atoms 0 and 1")
        #expect(kept[1] == (shared + [24, 26, 27]).sorted(), "block 1: the reference line 24, atoms 2 and 3")
    }
}

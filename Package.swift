// swift-tools-version:6.0
// StressFlux: MPI simulations and coarse-grained stress budgets of soft amorphous solids.
// Module layout and dependency order: ../shared/docs/design.md ("Modules").
import PackageDescription

let package = Package(
    name: "StressFlux",
    products: [
        .executable(name: "stressflux", targets: ["stressflux"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // MARK: System libraries (Debian: libopenmpi-dev, libfftw3-mpi-dev, libhdf5-openmpi-dev)
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CFFTW", providers: [.apt(["libfftw3-mpi-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-openmpi", providers: [.apt(["libhdf5-openmpi-dev"])]),

        // Inline vector math the Swift standard library does not vectorise (a header, no library).
        .target(name: "CVectorMath"),

        // MARK: Modules
        .target(name: "Parallel", dependencies: ["CMPI", "CFFTW"]),
        .target(name: "Particles", dependencies: ["Parallel", "CVectorMath"]),
        .target(name: "Fields", dependencies: ["Parallel", "CMPI", "CFFTW"]),
        .target(name: "Budget", dependencies: ["Parallel", "Fields"]),
        .target(name: "Dean", dependencies: ["Parallel", "Fields", "Budget"]),
        .target(name: "Formats", dependencies: ["Parallel", "Particles", "Fields", "CMPI", "CHDF5"]),
        .target(name: "Study", dependencies: ["Parallel", "Particles", "Fields", "Budget", "Dean", "Formats", "TOMLKit"]),
        .executableTarget(
            name: "stressflux",
            dependencies: [
                "Parallel", "Fields", "Formats", "Study",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests (unit: one process, an MPI singleton; integration: the built binary under mpirun)
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "ParallelTests", dependencies: ["Parallel", "TestSupport"]),
        .testTarget(name: "ParticlesTests", dependencies: ["Particles", "Parallel", "TestSupport"]),
        .testTarget(name: "FieldsTests", dependencies: ["Fields", "Parallel", "TestSupport"]),
        .testTarget(name: "BudgetTests", dependencies: ["Budget", "Fields", "Parallel", "CMPI", "CFFTW", "TestSupport"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Particles", "Parallel", "TestSupport"]),
        .testTarget(name: "DeanTests", dependencies: ["Dean", "Budget", "Fields", "Parallel", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "Fields", "Particles", "Parallel", "TestSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["Budget", "Study", "Formats", "Particles", "Parallel", "TestSupport"]),
    ]
)

// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "difftest",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "difftest", targets: ["difftest"]),
        .library(name: "X86Decoder", targets: ["X86Decoder"]),
        .library(name: "DiffTest", targets: ["DiffTest"]),
        .library(name: "X86Emulator", targets: ["X86Emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The length and operand decoder (system under test). Its tables are generated from
        // OpcodeMap/ by difftest-gen-tables; the map itself is not compiled.
        .target(
            name: "X86Decoder",
            exclude: ["OpcodeMap"]
        ),
        // Parses the opcode map and builds the packed tables (used by the generator and tests).
        .target(name: "X86OpcodeMap", dependencies: ["X86Decoder"]),
        .executableTarget(name: "difftest-gen-tables", dependencies: ["X86OpcodeMap"]),
        // Debian's libcapstone-dev 4.0.2 and libzydis-dev 4.0.0.
        .systemLibrary(
            name: "CCapstone",
            pkgConfig: "capstone",
            providers: [.apt(["libcapstone-dev"])]
        ),
        .systemLibrary(
            name: "CZydis",
            providers: [.apt(["libzydis-dev"])]
        ),
        // Debian's libunicorn-dev 2.0.1 (pkg-config: unicorn): the peer emulator.
        .systemLibrary(
            name: "CUnicorn",
            pkgConfig: "unicorn",
            providers: [.apt(["libunicorn-dev"])]
        ),
        // The emulator (system under test): 64-bit user-mode integer ISA over a generic bus.
        .target(name: "X86Emulator", dependencies: ["X86Decoder"]),
        // The forked, seccomp-filtered child that runs bytes on the real CPU (the only C code
        // besides system-library shims).
        .target(
            name: "CNativeSandbox",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // Functions start on 64-byte boundaries: the benchmarks' walks (Bench/) then keep their
        // loops at the same offsets within a cache line whatever else in the module moves; at
        // the linker's 16-byte alignment `bench decode` moved by 5% between builds that differ
        // only in unrelated code (DESIGN-NOTES, "Benchmarks").
        .target(
            name: "DiffTest",
            dependencies: ["X86Decoder", "X86Emulator", "CNativeSandbox", "CCapstone", "CZydis", "CUnicorn"],
            swiftSettings: [.unsafeFlags(["-Xllvm", "-align-all-functions=6"])]
        ),
        .executableTarget(
            name: "difftest",
            dependencies: [
                "DiffTest", "X86Decoder",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["X86Decoder"], path: "Tests/TestSupport"),
        .testTarget(name: "X86DecoderTests", dependencies: ["X86Decoder", "TestSupport"]),
        .testTarget(name: "X86OpcodeMapTests", dependencies: ["X86OpcodeMap", "X86Decoder"]),
        .testTarget(name: "X86EmulatorTests", dependencies: ["X86Emulator", "X86Decoder"]),
        .testTarget(name: "CNativeSandboxTests", dependencies: ["CNativeSandbox", "X86Decoder"]),
        .testTarget(name: "DiffTestTests", dependencies: ["DiffTest", "X86Decoder", "TestSupport"]),

        // MARK: - Coverage-guided fuzzing (issue 6)
        // The checks the libFuzzer targets run, as a plain library (no sanitizer flags), so that
        // Tests/X86DecoderTests/FuzzRegressionTests.swift replays Corpus/fuzz/regressions through
        // the same code. The fuzz targets themselves (Sources/FuzzDecoder, FuzzEmulator,
        // FuzzDifferential, FuzzTool) are not SwiftPM targets: Scripts/fuzz-build.sh builds them
        // with swiftc -sanitize=fuzzer,address.
        .target(name: "FuzzChecks", dependencies: ["X86Decoder", "X86Emulator"]),
    ]
)

// Coverage-guided fuzzing (issue 6): the decoder tests replay the fuzz regression cases.
package.targets.first { $0.name == "X86DecoderTests" }?.dependencies.append("FuzzChecks")

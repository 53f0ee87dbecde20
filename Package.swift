// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "memfd-bind",
    targets: [
        .systemLibrary(
            name: "CYaml",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "CLinuxShim",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        .target(
            name: "Config",
            dependencies: ["CYaml"]
        ),
        .executableTarget(
            name: "memfd-bind",
            dependencies: ["Config", "CLinuxShim"]
        ),
        .testTarget(
            name: "ConfigTests",
            dependencies: ["Config"]
        ),
        .testTarget(
            name: "MemfdBindTests",
            dependencies: ["memfd-bind", "Config", "CLinuxShim"]
        ),
    ]
)

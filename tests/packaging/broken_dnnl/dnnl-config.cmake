# A stand-in for an optional package whose CMake config is broken the way Debian's oneDNN is
# without the OpenCL headers: it requires a dependency that isn't there.
find_package(HkNoSuchDependencyForTheProbeTest REQUIRED)

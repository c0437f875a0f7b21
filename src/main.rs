fn main() -> std::process::ExitCode {
    pspconv::cli::main()
}

import DojoNN
import Foundation

@main
enum Main {
  static func main() {
    // A parent may have started us with signals blocked (Foundation's Process does, from some
    // threads); Ctrl-C, SIGINT and SIGTERM must reach the clean-stop handlers.
    var none = sigset_t()
    sigemptyset(&none)
    sigprocmask(SIG_SETMASK, &none, nil)
    // Pick OpenBLAS's best kernels for this CPU before OpenBLAS is used (see BLASCore): re-execute
    // once with OPENBLAS_CORETYPE set. Setting OPENBLAS_CORETYPE yourself turns this off.
    if let core = BLASCore.coreToRequest() {
      setenv("OPENBLAS_CORETYPE", core, 1)
      let args = CommandLine.unsafeArgv
      execv("/proc/self/exe", args)
      // If exec fails, carry on with OpenBLAS's own choice.
    }
    Dojo.main()
  }
}

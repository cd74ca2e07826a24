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
    // Pick OpenBLAS's best kernels for this CPU before any thread starts (see BLASCore).
    BLASCore.select()
    Dojo.main()
  }
}

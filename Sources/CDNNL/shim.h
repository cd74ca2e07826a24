// oneDNN's C API (Debian's libdnnl-dev, oneDNN 2.x). Debian builds it on GNU OpenMP, whose thread
// count is a per-thread setting: Dojo sets it to one in each worker that runs the network.
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

void omp_set_num_threads(int count);
int omp_get_max_threads(void);

// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), also declaring openblas_set_num_threads.
#include <cblas.h>

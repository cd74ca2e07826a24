// libzmq (Debian: libzmq3-dev). Linked directly: pkg-config's -isystem flags make SwiftPM warn.
#include <zmq.h>

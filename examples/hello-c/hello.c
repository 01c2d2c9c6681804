/* The example's release executable: prints its version and the architecture it was built for. */
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__arm__)
#define ARCH "arm"
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define ARCH "ppc64le"
#elif defined(__s390x__)
#define ARCH "s390x"
#elif defined(__i386__)
#define ARCH "i686"
#else
#define ARCH "unknown"
#endif

#ifndef HELLO_VERSION
#define HELLO_VERSION "1.0.0"
#endif

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    printf("hello %s (%s)\n", HELLO_VERSION, ARCH);
    return 0;
  }
  printf("Hello from a static %s executable.\n", ARCH);
  return 0;
}

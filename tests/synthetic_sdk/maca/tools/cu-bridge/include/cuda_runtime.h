/* SYNTHETIC stand-in for the cuda_runtime.h of MetaX's cu-bridge (tests/synthetic_sdk/README.md).
 *
 * cu-bridge lets CUDA-named sources build on MACA by mapping CUDA runtime names onto the mc* API
 * (public MACA ports show it as `#define cudaXxx mcXxx`). This stand-in maps only the names
 * flagos' .cu test sources use. Written by flagos; not MetaX's header. */
#ifndef FLAGOS_SYNTHETIC_CU_BRIDGE_CUDA_RUNTIME_H_
#define FLAGOS_SYNTHETIC_CU_BRIDGE_CUDA_RUNTIME_H_

#include <mc_runtime.h>

#define cudaError_t mcError_t
#define cudaSuccess mcSuccess
#define cudaStream_t mcStream_t
#define cudaGetLastError mcGetLastError
#define cudaGetErrorString mcGetErrorString

#endif /* FLAGOS_SYNTHETIC_CU_BRIDGE_CUDA_RUNTIME_H_ */

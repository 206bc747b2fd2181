// What the metax HAL offers the rest of the metax platform beyond runtime/hal/flagos_hal.h: the
// MACA runtime objects behind HAL handles and the HAL's error mapping, for the platform glue
// (platforms/metax/*.cc) and vendor kernels (mxcc_library).
#pragma once

#include <mc_runtime.h>

#include "runtime/hal/flagos_hal.h"

#ifdef __cplusplus
extern "C" {
#endif

// The mcStream_t of a HAL stream; NULL (the current device's default stream) for NULL.
mcStream_t flagos_metax_mc_stream(flagos_hal_stream stream);

// The mcEvent_t of a HAL event.
mcEvent_t flagos_metax_mc_event(flagos_hal_event event);

// SUCCESS for mcSuccess; otherwise the HAL status `error` stands for, with
// "<api> failed with MACA error <code> (<name>): <description>" as flagos_hal_last_error().
flagos_hal_status flagos_metax_check(mcError_t error, const char* api);

#ifdef __cplusplus
}
#endif

// What the ascend HAL offers the rest of the ascend platform beyond runtime/hal/flagos_hal.h:
// the AscendCL objects behind HAL handles and the HAL's error mapping, for the platform glue
// (platforms/ascend/*.cc) and aclnn kernel calls.
#pragma once

#include <acl/acl.h>

#include "runtime/hal/flagos_hal.h"

#ifdef __cplusplus
extern "C" {
#endif

// The aclrtStream of a HAL stream; NULL (ACL's default stream of the current device) for NULL.
aclrtStream flagos_ascend_acl_stream(flagos_hal_stream stream);

// The aclrtEvent of a HAL event.
aclrtEvent flagos_ascend_acl_event(flagos_hal_event event);

// SUCCESS for ACL_SUCCESS; otherwise the HAL status `code` stands for, with
// "<api> failed with ACL error <code>: <aclGetRecentErrMsg()>" as flagos_hal_last_error().
flagos_hal_status flagos_ascend_check(aclError code, const char* api);

#ifdef __cplusplus
}
#endif

// Streams and events of the ascend HAL, over AscendCL (see ascend_hal.cc for the API basis).
//
// - Priorities: the HAL offers one priority (0). ACL's priority scale (aclrtCreateStreamWithConfig,
//   0 to 7) is not mapped in this phase: which end is "high" could not be checked without the
//   toolkit, and flagos' streams do not depend on it.
// - Events are created with ACL_EVENT_SYNC (streams can wait on them) and, unless
//   FLAGOS_HAL_EVENT_DISABLE_TIMING, ACL_EVENT_TIME_LINE (they carry a timestamp).
//   FLAGOS_HAL_EVENT_BLOCKING_SYNC has no ACL counterpart and is accepted without effect.
// - An event never recorded is complete, and waiting on it is a no-op (CUDA's semantics, which
//   flagos' runtime assumes); ACL is not asked about it.
// - Recording on the NULL stream means the default stream of the EVENT's device.
#include <string>

#include "platforms/ascend/hal/ascend_common.h"
#include "runtime/hal/flagos_hal.h"

using flagos::hal_ascend::acl_fail;
using flagos::hal_ascend::check_device;
using flagos::hal_ascend::acl_on_device;
using flagos::hal_ascend::DeviceScope;
using flagos::hal_ascend::ensure_init;
using flagos::hal_ascend::fail;
using flagos::hal_ascend::stream_device;

extern "C" {

flagos_hal_status flagos_hal_stream_priority_range(int* least, int* greatest) {
  if (!least || !greatest) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  *least = 0;
  *greatest = 0;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_create(int device, int /*priority*/, flagos_hal_stream* stream) {
  if (!stream) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "stream is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  aclrtStream acl = nullptr;
  if (flagos_hal_status s = acl_on_device(device, "aclrtCreateStream", [&] { return aclrtCreateStream(&acl); })) {
    return s;
  }
  *stream = new flagos_hal_stream_s{acl, device};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_destroy(flagos_hal_stream stream) {
  if (!stream) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = acl_on_device(stream->device, "aclrtDestroyStream",
                                          [&] { return aclrtDestroyStream(stream->acl); })) {
    return s;
  }
  delete stream;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_synchronize(flagos_hal_stream stream) {
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (flagos_hal_status s = stream_device(stream, &device)) return s;
  return acl_on_device(device, "aclrtSynchronizeStream",
                       [&] { return aclrtSynchronizeStream(stream ? stream->acl : nullptr); });
}

flagos_hal_status flagos_hal_stream_query(flagos_hal_stream stream) {
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (flagos_hal_status s = stream_device(stream, &device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  aclrtStreamStatus status = ACL_STREAM_STATUS_COMPLETE;
  const aclError code = aclrtStreamQuery(stream ? stream->acl : nullptr, &status);
  if (code == ACL_ERROR_RT_STREAM_NOT_COMPLETE) return FLAGOS_HAL_ERROR_NOT_READY;
  if (code != ACL_SUCCESS) return acl_fail("aclrtStreamQuery", code, "device " + std::to_string(device));
  return status == ACL_STREAM_STATUS_COMPLETE ? FLAGOS_HAL_SUCCESS : FLAGOS_HAL_ERROR_NOT_READY;
}

flagos_hal_status flagos_hal_stream_wait_event(flagos_hal_stream stream, flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;  // nothing to wait for
  if (flagos_hal_status s = ensure_init()) return s;
  int device = 0;
  if (flagos_hal_status s = stream_device(stream, &device)) return s;
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const aclError code = aclrtStreamWaitEvent(stream ? stream->acl : nullptr, event->acl); code != ACL_SUCCESS) {
    return acl_fail("aclrtStreamWaitEvent", code,
                    "stream of device " + std::to_string(device) + ", event of device " + std::to_string(event->device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_create(int device, unsigned flags, flagos_hal_event* event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (flagos_hal_status s = ensure_init()) return s;
  if (flagos_hal_status s = check_device(device)) return s;
  const uint32_t acl_flags = ACL_EVENT_SYNC | ((flags & FLAGOS_HAL_EVENT_DISABLE_TIMING) ? 0u : ACL_EVENT_TIME_LINE);
  aclrtEvent acl = nullptr;
  if (flagos_hal_status s = acl_on_device(device, "aclrtCreateEventWithFlag",
                                          [&] { return aclrtCreateEventWithFlag(&acl, acl_flags); })) {
    return s;
  }
  *event = new flagos_hal_event_s{acl, device, flags, false};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_destroy(flagos_hal_event event) {
  if (!event) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = acl_on_device(event->device, "aclrtDestroyEvent",
                                          [&] { return aclrtDestroyEvent(event->acl); })) {
    return s;
  }
  delete event;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_record(flagos_hal_event event, flagos_hal_stream stream) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (flagos_hal_status s = flagos::hal::check_record(event->device, stream ? stream->device : event->device)) return s;
  if (flagos_hal_status s = acl_on_device(event->device, "aclrtRecordEvent",
                                          [&] { return aclrtRecordEvent(event->acl, stream ? stream->acl : nullptr); })) {
    return s;
  }
  event->recorded = true;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_query(flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_COMPLETE;
  const aclError code = aclrtQueryEventStatus(event->acl, &status);
  if (code == ACL_ERROR_RT_EVENT_NOT_COMPLETE) return FLAGOS_HAL_ERROR_NOT_READY;
  if (code != ACL_SUCCESS) return acl_fail("aclrtQueryEventStatus", code, "device " + std::to_string(event->device));
  return status == ACL_EVENT_RECORDED_STATUS_COMPLETE ? FLAGOS_HAL_SUCCESS : FLAGOS_HAL_ERROR_NOT_READY;
}

flagos_hal_status flagos_hal_event_synchronize(flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = ensure_init()) return s;
  if (const aclError code = aclrtSynchronizeEvent(event->acl); code != ACL_SUCCESS) {
    return acl_fail("aclrtSynchronizeEvent", code, "device " + std::to_string(event->device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_elapsed_ms(float* ms, flagos_hal_event start, flagos_hal_event end) {
  if (flagos_hal_status s = flagos::hal::check_elapsed(ms, start, start ? start->flags : 0, start && start->recorded,
                                                       start ? start->device : -1, end, end ? end->flags : 0,
                                                       end && end->recorded, end ? end->device : -1)) {
    return s;
  }
  if (flagos_hal_status s = ensure_init()) return s;
  if (const aclError code = aclrtEventElapsedTime(ms, start->acl, end->acl); code != ACL_SUCCESS) {
    return acl_fail("aclrtEventElapsedTime", code);
  }
  return FLAGOS_HAL_SUCCESS;
}

}  // extern "C"

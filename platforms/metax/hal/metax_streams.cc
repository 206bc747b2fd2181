// Streams and events of the metax HAL, over the MACA runtime (see metax_hal.cc for the API basis).
//
// - Priorities are the runtime's own (mcDeviceGetStreamPriorityRange, lower is higher, as in
//   CUDA); a requested priority outside the range is clamped into it.
// - Streams are created non-blocking (mcStreamNonBlocking): they do not synchronise with the
//   default stream, like PyTorch's CUDA pool streams.
// - Event flags map one to one: DISABLE_TIMING -> mcEventDisableTiming, BLOCKING_SYNC ->
//   mcEventBlockingSync.
// - An event never recorded is complete, and waiting on it is a no-op.
// - Recording on the NULL stream means the default stream of the EVENT's device.
#include <string>

#include "runtime/hal/flagos_hal.h"
#include "platforms/metax/hal/metax_common.h"

using flagos::hal_metax::check_device;
using flagos::hal_metax::DeviceScope;
using flagos::hal_metax::fail;
using flagos::hal_metax::mc_fail;
using flagos::hal_metax::mc_on_device;

extern "C" {

flagos_hal_status flagos_hal_stream_priority_range(int* least, int* greatest) {
  if (!least || !greatest) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  if (const mcError_t error = mcDeviceGetStreamPriorityRange(least, greatest); error != mcSuccess) {
    return mc_fail("mcDeviceGetStreamPriorityRange", error);
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_create(int device, int priority, flagos_hal_stream* stream) {
  if (!stream) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "stream is NULL");
  if (flagos_hal_status s = check_device(device)) return s;
  int least = 0, greatest = 0;
  if (flagos_hal_status s = flagos_hal_stream_priority_range(&least, &greatest)) return s;
  priority = priority < greatest ? greatest : (priority > least ? least : priority);
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  mcStream_t mc = nullptr;
  if (const mcError_t error = mcStreamCreateWithPriority(&mc, mcStreamNonBlocking, priority); error != mcSuccess) {
    return mc_fail("mcStreamCreateWithPriority", error,
                   "device " + std::to_string(device) + ", priority " + std::to_string(priority));
  }
  *stream = new flagos_hal_stream_s{mc, device, priority};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_destroy(flagos_hal_stream stream) {
  if (!stream) return FLAGOS_HAL_SUCCESS;
  if (flagos_hal_status s = mc_on_device(stream->device, "mcStreamDestroy", [&] { return mcStreamDestroy(stream->mc); })) {
    return s;
  }
  delete stream;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_synchronize(flagos_hal_stream stream) {
  if (const mcError_t error = mcStreamSynchronize(stream ? stream->mc : nullptr); error != mcSuccess) {
    return mc_fail("mcStreamSynchronize", error);
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_query(flagos_hal_stream stream) {
  const mcError_t error = mcStreamQuery(stream ? stream->mc : nullptr);
  if (error == mcSuccess) return FLAGOS_HAL_SUCCESS;
  if (error == mcErrorNotReady) {
    (void)mcGetLastError();  // not a failure
    return FLAGOS_HAL_ERROR_NOT_READY;
  }
  return mc_fail("mcStreamQuery", error);
}

flagos_hal_status flagos_hal_stream_wait_event(flagos_hal_stream stream, flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;  // nothing to wait for
  int device = 0;
  if (stream) {
    device = stream->device;
  } else if (const mcError_t error = mcGetDevice(&device); error != mcSuccess) {
    return mc_fail("mcGetDevice", error);
  }
  DeviceScope scope(device);
  if (scope.status()) return scope.status();
  if (const mcError_t error = mcStreamWaitEvent(stream ? stream->mc : nullptr, event->mc, mcEventWaitDefault);
      error != mcSuccess) {
    return mc_fail("mcStreamWaitEvent", error, "event of device " + std::to_string(event->device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_create(int device, unsigned flags, flagos_hal_event* event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (flagos_hal_status s = check_device(device)) return s;
  unsigned mc_flags = mcEventDefault;
  if (flags & FLAGOS_HAL_EVENT_DISABLE_TIMING) mc_flags |= mcEventDisableTiming;
  if (flags & FLAGOS_HAL_EVENT_BLOCKING_SYNC) mc_flags |= mcEventBlockingSync;
  mcEvent_t mc = nullptr;
  if (flagos_hal_status s = mc_on_device(device, "mcEventCreateWithFlags",
                                         [&] { return mcEventCreateWithFlags(&mc, mc_flags); })) {
    return s;
  }
  *event = new flagos_hal_event_s{mc, device, flags, false};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_destroy(flagos_hal_event event) {
  if (!event) return FLAGOS_HAL_SUCCESS;
  if (const mcError_t error = mcEventDestroy(event->mc); error != mcSuccess) {
    return mc_fail("mcEventDestroy", error, "device " + std::to_string(event->device));
  }
  delete event;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_record(flagos_hal_event event, flagos_hal_stream stream) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (flagos_hal_status s = flagos::hal::check_record(event->device, stream ? stream->device : event->device)) return s;
  // With the event's device current, the NULL stream is that device's default stream.
  if (flagos_hal_status s = mc_on_device(event->device, "mcEventRecord",
                                         [&] { return mcEventRecord(event->mc, stream ? stream->mc : nullptr); })) {
    return s;
  }
  event->recorded = true;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_query(flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;
  const mcError_t error = mcEventQuery(event->mc);
  if (error == mcSuccess) return FLAGOS_HAL_SUCCESS;
  if (error == mcErrorNotReady) {
    (void)mcGetLastError();  // not a failure
    return FLAGOS_HAL_ERROR_NOT_READY;
  }
  return mc_fail("mcEventQuery", error, "device " + std::to_string(event->device));
}

flagos_hal_status flagos_hal_event_synchronize(flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (!event->recorded) return FLAGOS_HAL_SUCCESS;
  if (const mcError_t error = mcEventSynchronize(event->mc); error != mcSuccess) {
    return mc_fail("mcEventSynchronize", error, "device " + std::to_string(event->device));
  }
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_elapsed_ms(float* ms, flagos_hal_event start, flagos_hal_event end) {
  if (flagos_hal_status s = flagos::hal::check_elapsed(ms, start, start ? start->flags : 0, start && start->recorded,
                                                       start ? start->device : -1, end, end ? end->flags : 0,
                                                       end && end->recorded, end ? end->device : -1)) {
    return s;
  }
  if (const mcError_t error = mcEventElapsedTime(ms, start->mc, end->mc); error != mcSuccess) {
    return mc_fail("mcEventElapsedTime", error);
  }
  return FLAGOS_HAL_SUCCESS;
}

}  // extern "C"

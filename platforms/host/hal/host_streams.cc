// Host platform streams and events. Streams are synchronous (see host_hal.cc): they exist so that
// the stream API behaves like a real device's (identities, priorities, devices), and events record
// the wall-clock time of their recording so elapsed_ms measures real intervals.
#include <chrono>
#include <string>

#include "runtime/hal/flagos_hal.h"
#include "platforms/host/hal/host_config.h"

using flagos::hal_host::check_device;
using flagos::hal_host::fail;

struct flagos_hal_stream_s {
  int device;
  int priority;
};

struct flagos_hal_event_s {
  int device;
  unsigned flags;
  bool recorded;
  std::chrono::steady_clock::time_point when;
};

extern "C" {

// Same convention as CUDA: lower numbers are higher priorities; 0 is the default.
flagos_hal_status flagos_hal_stream_priority_range(int* least, int* greatest) {
  if (!least || !greatest) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "output pointer is NULL");
  *least = 0;
  *greatest = -1;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_create(int device, int priority, flagos_hal_stream* stream) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (!stream) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "stream is NULL");
  *stream = new flagos_hal_stream_s{device, priority < -1 ? -1 : (priority > 0 ? 0 : priority)};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_destroy(flagos_hal_stream stream) {
  delete stream;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_stream_synchronize(flagos_hal_stream /*stream*/) { return FLAGOS_HAL_SUCCESS; }

flagos_hal_status flagos_hal_stream_query(flagos_hal_stream /*stream*/) { return FLAGOS_HAL_SUCCESS; }

flagos_hal_status flagos_hal_stream_wait_event(flagos_hal_stream /*stream*/, flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_create(int device, unsigned flags, flagos_hal_event* event) {
  if (flagos_hal_status s = check_device(device)) return s;
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  *event = new flagos_hal_event_s{device, flags, false, {}};
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_destroy(flagos_hal_event event) {
  delete event;
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_record(flagos_hal_event event, flagos_hal_stream stream) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  if (flagos_hal_status s = flagos::hal::check_record(event->device, stream ? stream->device : event->device)) return s;
  event->recorded = true;
  event->when = std::chrono::steady_clock::now();
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_query(flagos_hal_event event) {
  if (!event) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, "event is NULL");
  return FLAGOS_HAL_SUCCESS;
}

flagos_hal_status flagos_hal_event_synchronize(flagos_hal_event event) { return flagos_hal_event_query(event); }

flagos_hal_status flagos_hal_event_elapsed_ms(float* ms, flagos_hal_event start, flagos_hal_event end) {
  if (flagos_hal_status s = flagos::hal::check_elapsed(ms, start, start ? start->flags : 0, start && start->recorded,
                                                       start ? start->device : -1, end, end ? end->flags : 0,
                                                       end && end->recorded, end ? end->device : -1)) {
    return s;
  }
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return FLAGOS_HAL_SUCCESS;
}

}  // extern "C"

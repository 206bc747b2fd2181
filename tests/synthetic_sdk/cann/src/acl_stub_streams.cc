// Streams and events of the SYNTHETIC stand-in AscendCL (see acl_stub_device.cc): streams run
// later (synthetic_device.h); work is issued to a stream, and events recorded on it, only with the
// stream's device current; waits need events created with ACL_EVENT_SYNC, elapsed times
// ACL_EVENT_TIME_LINE.
#include <chrono>
#include <string>

#include "acl/acl.h"
#include "acl_stub_internal.h"

using flagos_synthetic::Call;
using flagos_synthetic::call_of;
using flagos_synthetic::Event;
using flagos_synthetic::Stream;
using namespace flagos_synthetic::acl_stub;

extern "C" {

// ---- streams ---------------------------------------------------------------------------------

aclError aclrtCreateStream(aclrtStream* stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  if (aclError e = begin(call_of("aclrtCreateStream"))) return e;
  if (!stream) return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateStream: stream is NULL");
  if (aclError e = need_device("aclrtCreateStream")) return e;
  *stream = rt().create_stream(t_device, 0, 0);
  return ACL_SUCCESS;
}

aclError aclrtDestroyStream(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtDestroyStream");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  auto* s = static_cast<Stream*>(stream);
  if (!stream || !rt().valid_stream(s)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtDestroyStream: not a live stream");
  if (aclError e = check_stream_device("aclrtDestroyStream", s)) return e;
  rt().destroy_stream(s);
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeStream(aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtSynchronizeStream");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtSynchronizeStream", stream, &s)) return e;
  rt().drain(s);
  return ACL_SUCCESS;
}

aclError aclrtStreamQuery(aclrtStream stream, aclrtStreamStatus* status) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtStreamQuery");
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  if (!status) return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamQuery: status is NULL");
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtStreamQuery", stream, &s)) return e;
  if (rt().idle(s)) {
    *status = ACL_STREAM_STATUS_COMPLETE;
  } else {
    rt().step(s);  // the device makes progress between polls
    *status = ACL_STREAM_STATUS_NOT_READY;
  }
  return ACL_SUCCESS;
}

aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtStreamWaitEvent");
  c.stream = stream;
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtStreamWaitEvent", stream, &s)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtStreamWaitEvent: not a live event");
  if (aclError e = check_stream_device("aclrtStreamWaitEvent", s)) return e;
  if (!(ev->flags & ACL_EVENT_SYNC)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtStreamWaitEvent: the event was created without ACL_EVENT_SYNC");
  }
  rt().wait(s, ev);
  return ACL_SUCCESS;
}

// ---- events ----------------------------------------------------------------------------------

aclError aclrtCreateEventWithFlag(aclrtEvent* event, uint32_t flag) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtCreateEventWithFlag");
  c.flags = flag;
  if (aclError e = begin(c)) return e;
  if (!event) return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateEventWithFlag: event is NULL");
  if (flag == 0 || (flag & ~(ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE)) != 0) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtCreateEventWithFlag: unsupported flag " + std::to_string(flag));
  }
  if (aclError e = need_device("aclrtCreateEventWithFlag")) return e;
  *event = rt().create_event(t_device, flag);
  return ACL_SUCCESS;
}

aclError aclrtDestroyEvent(aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtDestroyEvent");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  if (!event || !rt().destroy_event(static_cast<Event*>(event))) {
    return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtDestroyEvent: not a live event");
  }
  return ACL_SUCCESS;
}

aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtRecordEvent");
  c.ptr = event;
  c.stream = stream;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtRecordEvent: not a live event");
  Stream* s = nullptr;
  if (aclError e = resolve_stream("aclrtRecordEvent", stream, &s)) return e;
  if (aclError e = check_stream_device("aclrtRecordEvent", s)) return e;
  if (ev->device != s->device) {
    return fail(ACL_ERROR_RT_STREAM_CONTEXT, "aclrtRecordEvent: event of device " + std::to_string(ev->device) +
                                                 " recorded on a stream of device " + std::to_string(s->device));
  }
  rt().record(ev, s);
  return ACL_SUCCESS;
}

aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus* status) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtQueryEventStatus");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtQueryEventStatus: not a live event");
  if (!status) return fail(ACL_ERROR_INVALID_PARAM, "aclrtQueryEventStatus: status is NULL");
  if (rt().event_done(ev)) {
    *status = ACL_EVENT_RECORDED_STATUS_COMPLETE;
  } else {
    rt().step(ev->stream);  // progress between polls
    *status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  }
  return ACL_SUCCESS;
}

aclError aclrtSynchronizeEvent(aclrtEvent event) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtSynchronizeEvent");
  c.ptr = event;
  if (aclError e = begin(c)) return e;
  auto* ev = static_cast<Event*>(event);
  if (!event || !rt().valid_event(ev)) return fail(ACL_ERROR_RT_INVALID_HANDLE, "aclrtSynchronizeEvent: not a live event");
  rt().synchronize(ev);
  return ACL_SUCCESS;
}

aclError aclrtEventElapsedTime(float* ms, aclrtEvent startEvent, aclrtEvent endEvent) {
  std::lock_guard<std::recursive_mutex> lock(rt().mutex());
  Call c = call_of("aclrtEventElapsedTime");
  c.ptr = startEvent;
  if (aclError e = begin(c)) return e;
  auto* start = static_cast<Event*>(startEvent);
  auto* end = static_cast<Event*>(endEvent);
  if (!ms || !start || !end || !rt().valid_event(start) || !rt().valid_event(end)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: NULL or dead argument");
  }
  if (!(start->flags & ACL_EVENT_TIME_LINE) || !(end->flags & ACL_EVENT_TIME_LINE)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtEventElapsedTime: both events need ACL_EVENT_TIME_LINE");
  }
  if (!start->completed || !end->completed) {
    return fail(ACL_ERROR_RT_EVENT_NOT_COMPLETE, "aclrtEventElapsedTime: an event has not completed");
  }
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return ACL_SUCCESS;
}

}  // extern "C"

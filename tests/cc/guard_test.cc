// The DeviceGuardImplInterface flagos registers for PrivateUse1, used directly and through
// c10::DeviceGuard / c10::StreamGuard / c10::Event. Runs with FLAGOS_HOST_DEVICE_COUNT=2.
#include <c10/core/DeviceGuard.h>
#include <c10/core/Event.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

namespace {

constexpr c10::DeviceType kType = c10::DeviceType::PrivateUse1;

c10::Device dev(c10::DeviceIndex i) { return c10::Device(kType, i); }

const c10::impl::DeviceGuardImplInterface* impl() { return c10::impl::getDeviceGuardImpl(kType); }

// Expects `fn` to throw a c10::Error whose message contains `needle`.
template <typename Fn>
void expect_error(Fn fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected a c10::Error mentioning '" << needle << "'";
  } catch (const c10::Error& e) {
    const std::string message = e.what_without_backtrace();
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* count = std::getenv("FLAGOS_HOST_DEVICE_COUNT");
    ASSERT_TRUE(count && std::string(count) == "2") << "run through the guard_test target";
    ASSERT_NE(impl(), nullptr);
    impl()->setDevice(dev(0));
    impl()->exchangeStream(impl()->getDefaultStream(dev(0)));
    impl()->exchangeStream(impl()->getDefaultStream(dev(1)));
  }
};

TEST_F(GuardTest, RegisteredForPrivateUse1) {
  EXPECT_EQ(impl()->type(), kType);
  EXPECT_EQ(impl()->deviceCount(), 2);
}

TEST_F(GuardTest, ExchangeAndGetDevice) {
  EXPECT_EQ(impl()->getDevice(), dev(0));
  EXPECT_EQ(impl()->exchangeDevice(dev(1)), dev(0));
  EXPECT_EQ(impl()->getDevice(), dev(1));
  EXPECT_EQ(impl()->exchangeDevice(dev(1)), dev(1));
  EXPECT_EQ(impl()->exchangeDevice(dev(0)), dev(1));
  EXPECT_EQ(impl()->getDevice(), dev(0));
  impl()->setDevice(dev(1));
  EXPECT_EQ(impl()->getDevice(), dev(1));
  impl()->uncheckedSetDevice(dev(0));
  EXPECT_EQ(impl()->getDevice(), dev(0));
  // A device without an index means the current one.
  EXPECT_EQ(impl()->exchangeDevice(c10::Device(kType)), dev(0));
  EXPECT_EQ(impl()->getDevice(), dev(0));
}

TEST_F(GuardTest, CurrentDeviceIsPerThread) {
  impl()->setDevice(dev(1));
  c10::Device seen(kType, -1);
  std::thread other([&] {
    seen = impl()->getDevice();
    impl()->setDevice(dev(0));
  });
  other.join();
  EXPECT_EQ(seen, dev(0)) << "a new thread starts on flagos:0";
  EXPECT_EQ(impl()->getDevice(), dev(1));
}

TEST_F(GuardTest, DeviceGuardRestoresDevice) {
  {
    c10::DeviceGuard guard(dev(1));
    EXPECT_EQ(impl()->getDevice(), dev(1));
    EXPECT_EQ(guard.original_device(), dev(0));
    guard.reset_device(dev(0));
    EXPECT_EQ(impl()->getDevice(), dev(0));
    guard.reset_device(dev(1));
  }
  EXPECT_EQ(impl()->getDevice(), dev(0));
  {
    c10::OptionalDeviceGuard guard;
    guard.reset_device(dev(1));
    EXPECT_EQ(impl()->getDevice(), dev(1));
  }
  EXPECT_EQ(impl()->getDevice(), dev(0));
}

TEST_F(GuardTest, InvalidDeviceIndexThrows) {
  expect_error([] { impl()->setDevice(dev(2)); }, "invalid device index");
  expect_error([] { impl()->exchangeDevice(dev(5)); }, "invalid device index");
  expect_error([] { c10::DeviceGuard guard(dev(2)); }, "invalid device index");
  expect_error([] { impl()->getStream(dev(2)); }, "invalid device index");
  expect_error([] { impl()->getStreamFromGlobalPool(dev(3), false); }, "invalid device index");
  expect_error([] { impl()->synchronizeDevice(2); }, "invalid device index");
  expect_error([] { impl()->exchangeDevice(c10::Device(c10::DeviceType::CPU)); }, "flagos");
  EXPECT_EQ(impl()->getDevice(), dev(0)) << "a failed switch changed the device";
}

TEST_F(GuardTest, DefaultStreams) {
  for (c10::DeviceIndex d : {0, 1}) {
    const c10::Stream s = impl()->getDefaultStream(dev(d));
    EXPECT_EQ(s.id(), 0);
    EXPECT_EQ(s.device(), dev(d));
    EXPECT_EQ(impl()->getStream(dev(d)), s) << "the current stream starts as the default one";
  }
}

TEST_F(GuardTest, PoolStreams) {
  for (c10::DeviceIndex d : {0, 1}) {
    std::set<c10::StreamId> normal, high;
    for (int i = 0; i < 8; ++i) {
      const c10::Stream n = impl()->getStreamFromGlobalPool(dev(d), false);
      const c10::Stream h = impl()->getStreamFromGlobalPool(dev(d), true);
      EXPECT_EQ(n.device(), dev(d));
      EXPECT_EQ(h.device(), dev(d));
      EXPECT_NE(n.id(), 0);
      EXPECT_NE(h.id(), 0);
      normal.insert(n.id());
      high.insert(h.id());
    }
    EXPECT_EQ(normal.size(), 8u) << "eight consecutive requests get the pool's eight streams";
    EXPECT_EQ(high.size(), 8u);
    for (c10::StreamId id : normal) EXPECT_EQ(high.count(id), 0u) << "stream " << id << " is in both pools";

    const c10::Stream created = impl()->getNewStream(dev(d), 0);
    const c10::Stream created_high = impl()->getNewStream(dev(d), -1);
    EXPECT_EQ(created.device(), dev(d));
    EXPECT_EQ(normal.count(created.id()), 1u) << "priority 0 comes from the normal pool";
    EXPECT_EQ(high.count(created_high.id()), 1u) << "negative priority comes from the high-priority pool";
    EXPECT_EQ(impl()->getStream(dev(d)).id(), 0) << "getting a stream does not make it current";
  }
}

TEST_F(GuardTest, ExchangeStream) {
  const c10::Stream s = impl()->getStreamFromGlobalPool(dev(1), false);
  const c10::Stream previous = impl()->exchangeStream(s);
  EXPECT_EQ(previous, impl()->getDefaultStream(dev(1)));
  EXPECT_EQ(impl()->getStream(dev(1)), s);
  EXPECT_EQ(impl()->getStream(dev(0)).id(), 0) << "another device's current stream changed";
  EXPECT_EQ(impl()->getDevice(), dev(0)) << "exchangeStream does not switch device";
  const c10::Stream s2 = impl()->getStreamFromGlobalPool(dev(1), true);
  EXPECT_EQ(impl()->exchangeStream(s2), s);
  EXPECT_EQ(impl()->exchangeStream(previous), s2);
  EXPECT_EQ(impl()->getStream(dev(1)), previous);
}

TEST_F(GuardTest, CurrentStreamIsPerThread) {
  const c10::Stream mine = impl()->getStreamFromGlobalPool(dev(0), false);
  impl()->exchangeStream(mine);
  c10::Stream seen = mine;
  c10::Stream set_there = mine;
  std::thread other([&] {
    seen = impl()->getStream(dev(0));
    set_there = impl()->getStreamFromGlobalPool(dev(0), true);
    impl()->exchangeStream(set_there);
  });
  other.join();
  EXPECT_EQ(seen.id(), 0) << "a new thread starts on the default stream";
  EXPECT_NE(set_there, mine);
  EXPECT_EQ(impl()->getStream(dev(0)), mine) << "another thread's exchangeStream leaked into this one";
}

TEST_F(GuardTest, StreamGuardRestoresStreamAndDevice) {
  const c10::Stream s = impl()->getStreamFromGlobalPool(dev(1), true);
  {
    c10::StreamGuard guard(s);
    EXPECT_EQ(impl()->getDevice(), dev(1));
    EXPECT_EQ(impl()->getStream(dev(1)), s);
    EXPECT_EQ(guard.original_stream().device(), dev(0));
  }
  EXPECT_EQ(impl()->getDevice(), dev(0));
  EXPECT_EQ(impl()->getStream(dev(1)).id(), 0);
  EXPECT_EQ(impl()->getStream(dev(0)).id(), 0);
}

TEST_F(GuardTest, StreamQueryAndSynchronize) {
  for (const c10::Stream& s : {impl()->getDefaultStream(dev(0)), impl()->getStreamFromGlobalPool(dev(1), false),
                               impl()->getNewStream(dev(0), -1)}) {
    EXPECT_TRUE(impl()->queryStream(s)) << "host streams are always idle";
    EXPECT_NO_THROW(impl()->synchronizeStream(s));
  }
  EXPECT_NO_THROW(impl()->synchronizeDevice(0));
  EXPECT_NO_THROW(impl()->synchronizeDevice(1));
  EXPECT_NO_THROW(impl()->synchronizeDevice(-1));
}

TEST_F(GuardTest, StreamIdsOutsideThePoolAreRejected) {
  for (c10::StreamId id : {c10::StreamId{17}, c10::StreamId{1000}, c10::StreamId{-1}}) {
    SCOPED_TRACE(id);
    const c10::Stream bogus(c10::Stream::UNSAFE, dev(0), id);
    expect_error([&] { impl()->exchangeStream(bogus); }, "unknown stream id");
    expect_error([&] { impl()->queryStream(bogus); }, "unknown stream id");
    expect_error([&] { impl()->synchronizeStream(bogus); }, "unknown stream id");
    void* event = nullptr;
    expect_error([&] { impl()->record(&event, bogus, -1, c10::EventFlag::PYTORCH_DEFAULT); }, "unknown stream id");
    impl()->destroyEvent(event, 0);
  }
  EXPECT_EQ(impl()->getStream(dev(0)).id(), 0) << "a rejected stream became current";
  // The largest valid id is accepted.
  const c10::Stream last(c10::Stream::UNSAFE, dev(0), 16);
  EXPECT_TRUE(impl()->queryStream(last));
}

TEST_F(GuardTest, EventsThroughTheInterface) {
  const c10::Stream s = impl()->getStreamFromGlobalPool(dev(0), false);
  void* start = nullptr;
  void* end1 = nullptr;
  void* end2 = nullptr;
  impl()->record(&start, s, 0, c10::EventFlag::BACKEND_DEFAULT);
  ASSERT_NE(start, nullptr) << "record creates the event";
  void* const start_handle = start;
  impl()->record(&end1, s, -1, c10::EventFlag::BACKEND_DEFAULT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl()->record(&end2, impl()->getDefaultStream(dev(0)), 0, c10::EventFlag::BACKEND_DEFAULT);
  EXPECT_TRUE(impl()->queryEvent(start));
  EXPECT_TRUE(impl()->queryEvent(nullptr)) << "an event never recorded counts as complete";
  EXPECT_NO_THROW(impl()->block(end1, impl()->getStreamFromGlobalPool(dev(0), true)));
  EXPECT_NO_THROW(impl()->block(nullptr, s));
  EXPECT_NO_THROW(impl()->synchronizeEvent(end2));

  const double t1 = impl()->elapsedTime(start, end1, 0);
  const double t2 = impl()->elapsedTime(start, end2, 0);
  EXPECT_GE(t1, 0.0);
  EXPECT_GT(t2, t1);

  // Re-recording reuses the event.
  impl()->record(&start, s, 0, c10::EventFlag::BACKEND_DEFAULT);
  EXPECT_EQ(start, start_handle);

  // An event of flagos:0 cannot be recorded on a flagos:1 stream.
  expect_error([&] { impl()->record(&start, impl()->getDefaultStream(dev(1)), 0, c10::EventFlag::BACKEND_DEFAULT); },
               "flagos");
  expect_error([&] { impl()->elapsedTime(start, nullptr, 0); }, "recorded");

  impl()->destroyEvent(start, 0);
  impl()->destroyEvent(end1, 0);
  impl()->destroyEvent(end2, 0);
  impl()->destroyEvent(nullptr, 0);
}

TEST_F(GuardTest, UntimedEventsRefuseElapsedTime) {
  const c10::Stream s = impl()->getDefaultStream(dev(1));
  void* a = nullptr;
  void* b = nullptr;
  impl()->record(&a, s, 1, c10::EventFlag::PYTORCH_DEFAULT);
  impl()->record(&b, s, 1, c10::EventFlag::PYTORCH_DEFAULT);
  expect_error([&] { impl()->elapsedTime(a, b, 1); }, "timing");
  impl()->destroyEvent(a, 1);
  impl()->destroyEvent(b, 1);
}

TEST_F(GuardTest, C10Event) {
  const c10::Stream s = impl()->getStreamFromGlobalPool(dev(1), false);
  c10::Event start(kType, c10::EventFlag::BACKEND_DEFAULT);
  c10::Event end(kType, c10::EventFlag::BACKEND_DEFAULT);
  EXPECT_TRUE(start.query()) << "an unrecorded event is complete";
  EXPECT_THROW(start.elapsedTime(end), c10::Error) << "unrecorded events have no elapsed time";
  start.record(s);
  EXPECT_EQ(start.device(), dev(1));
  EXPECT_NE(start.eventId(), nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  end.record(impl()->getDefaultStream(dev(1)));
  EXPECT_TRUE(start.query());
  EXPECT_TRUE(end.query());
  EXPECT_NO_THROW(end.block(impl()->getStreamFromGlobalPool(dev(1), true)));
  EXPECT_NO_THROW(end.synchronize());
  EXPECT_GT(start.elapsedTime(end), 0.0);

  c10::Event untimed(kType);  // PYTORCH_DEFAULT: no timing
  untimed.record(s);
  EXPECT_THROW(start.elapsedTime(untimed), c10::Error);

  // An event that lives on flagos:1 cannot be recorded on flagos:0.
  EXPECT_THROW(start.record(impl()->getDefaultStream(dev(0))), c10::Error);
}

}  // namespace

#include "platforms/host/hal/host_config.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace flagos::hal_host {
namespace {


size_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
}

Config load() {
  Config cfg;
  cfg.memory_limit = physical_memory();
  if (const char* text = std::getenv("FLAGOS_HOST_DEVICE_COUNT"); text && *text) {
    char* end = nullptr;
    const long n = std::strtol(text, &end, 10);
    if (*end != '\0' || n < 0 || n > 64) {
      cfg.error = std::string("FLAGOS_HOST_DEVICE_COUNT='") + text +
                  "' is not a whole number from 0 to 64 (the number of simulated flagos host devices)";
      return cfg;
    }
    cfg.device_count = static_cast<int>(n);
  }
  if (const char* text = std::getenv("FLAGOS_HOST_MEMORY_LIMIT"); text && *text) {
    size_t bytes = 0;
    if (!parse_size(text, &bytes) || bytes == 0) {
      cfg.error = std::string("FLAGOS_HOST_MEMORY_LIMIT='") + text +
                  "' is not a positive size (bytes, or a number with K, M, G or T, e.g. 512M or 1.5G)";
      return cfg;
    }
    cfg.memory_limit = bytes;
    cfg.memory_limit_from_env = true;
  }
  return cfg;
}

}  // namespace

const Config& config() {
  static const Config cfg = load();
  return cfg;
}

bool parse_size(const std::string& text, size_t* bytes) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(value >= 0)) return false;
  std::string unit;
  for (const char* p = end; *p; ++p) unit += static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else {
    const std::string units = "KMGT";
    const size_t pos = units.find(unit[0]);
    const std::string rest = unit.substr(1);
    if (pos == std::string::npos || !(rest.empty() || rest == "B" || rest == "IB")) return false;
    for (size_t i = 0; i <= pos; ++i) scale *= 1024;
  }
  const double result = value * scale;
  if (result > 1.8e19) return false;
  *bytes = static_cast<size_t>(result);
  return true;
}

flagos_hal_status check_device(int device) {
  const Config& cfg = config();
  if (!cfg.error.empty()) return fail(FLAGOS_HAL_ERROR_INVALID_VALUE, cfg.error);
  if (device < 0 || device >= cfg.device_count) {
    return fail(FLAGOS_HAL_ERROR_INVALID_DEVICE,
                "device " + std::to_string(device) + " does not exist: " + std::to_string(cfg.device_count) +
                    " simulated host device(s) (set FLAGOS_HOST_DEVICE_COUNT for more)");
  }
  return FLAGOS_HAL_SUCCESS;
}

}  // namespace flagos::hal_host


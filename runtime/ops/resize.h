// Growing flagos storages, for the operators that resize tensors in place.
#pragma once

#include <c10/core/Storage.h>

#include <cstddef>

namespace flagos {

// Grows `storage` (keeping its contents) so that it covers `nbytes`; does nothing if it does.
void ensure_storage_bytes(const c10::Storage& storage, size_t nbytes);

}  // namespace flagos

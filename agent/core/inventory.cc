#include "agent/core/inventory.h"

#include "agent/core/text.h"

namespace fleet::state {

std::string InventoryKey(const Printer& printer) {
  if (!printer.device_key.empty()) return printer.device_key;
  if (!printer.serial.empty()) return printer.serial;
  if (!printer.mac.empty()) return "mac:" + AsciiLower(printer.mac);
  return "ip:" + printer.ip;
}

}  // namespace fleet::state

#include "agent/core/inventory.h"

#include "agent/core/text.h"

namespace fleet::state {

std::string InventoryKey(const Printer& printer) {
  return InventoryKey(printer.device_key, printer.serial, printer.mac, printer.ip);
}

std::string InventoryKey(const std::string& device_key, const std::string& serial,
                         const std::string& mac, const std::string& ip) {
  if (!device_key.empty()) return device_key;
  if (!serial.empty()) return serial;
  if (!mac.empty()) return "mac:" + AsciiLower(mac);
  return "ip:" + ip;
}

}  // namespace fleet::state

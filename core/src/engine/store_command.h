// Store commands owned by a transaction and exposed to C as argv views.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "sso/sso.h"

namespace sso {

class StoreCommand {
 public:
  StoreCommand() = default;
  StoreCommand(std::initializer_list<std::string> args) : args_(args) {}
  StoreCommand(const StoreCommand &) = delete;
  StoreCommand &operator=(const StoreCommand &) = delete;
  StoreCommand(StoreCommand &&) = default;
  StoreCommand &operator=(StoreCommand &&) = default;

  void Append(std::string arg) { args_.push_back(std::move(arg)); }
  // Empty again; the arguments' buffers go, the vectors' storage stays for the next command.
  void Clear() {
    args_.clear();
    views_.clear();
  }
  const std::vector<std::string> &args() const { return args_; }

  // A view valid until this command is modified or destroyed.
  sso_command View() {
    views_.clear();
    views_.reserve(args_.size());
    for (const auto &arg : args_) views_.push_back({arg.data(), arg.size()});
    return {views_.size(), views_.data()};
  }

 private:
  std::vector<std::string> args_;
  std::vector<sso_str> views_;
};

}  // namespace sso

#pragma once
// The table of every setting (internal to zr_settings): how to read it into Settings and how to
// print it back.
#include <string>
#include <vector>

#include "settings/settings.hpp"

namespace zr::settings::detail {

struct KeySpec {
    const char* name;           // canonical spelling, without ZR_
    const char* default_value;  // as text, for `zr check:settings --keys`
    const char* description;
    bool secret;
    // Parses `value` into the settings; `var` is "ZR_" + name, for error messages.
    void (*apply)(Settings& settings, const std::string& var, const std::string& value);
    std::string (*describe)(const Settings& settings);
};

// Every key, in display order.
const std::vector<KeySpec>& KeyTable();

}  // namespace zr::settings::detail

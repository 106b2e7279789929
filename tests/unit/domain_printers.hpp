#pragma once
// GoogleTest printers for the life-cycle enums (domain/submission_status.hpp): a failed
// EXPECT_EQ shows "on_queue" instead of the enum's bytes. Found by argument-dependent lookup.
#include <ostream>

#include "domain/submission_status.hpp"

namespace zr::domain {

inline void PrintTo(SubmissionStatus status, std::ostream* out) { *out << ToString(status); }
inline void PrintTo(JobState state, std::ostream* out) { *out << ToString(state); }

}  // namespace zr::domain

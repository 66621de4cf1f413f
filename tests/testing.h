#pragma once

// A small test harness: each test is a function registered under a name;
// the anodeless_tests executable runs the one named on its command line (in
// serial or under mpirun). A failed check throws; the runner prints the
// message on the failing rank and exits non-zero.

#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace anodeless::testing
{
  struct TestFailure : std::runtime_error
  {
    using std::runtime_error::runtime_error;
  };

  std::map<std::string, std::function<void()>> &
  registry();

  struct Registrar
  {
    Registrar(const std::string &name, std::function<void()> test)
    {
      registry()[name] = std::move(test);
    }
  };

  /// Print on rank 0 only (the numbers a test reports).
  std::ostream &
  log();

  inline std::string
  describe(const double value)
  {
    std::ostringstream s;
    s.precision(16);
    s << value;
    return s.str();
  }

  /// |actual - expected| <= tolerance * max(|expected|, floor)
  inline void
  check_relative(const double       actual,
                 const double       expected,
                 const double       tolerance,
                 const std::string &what,
                 const double       floor = 0.0)
  {
    const double scale = std::max(std::abs(expected), floor);
    const double error = std::abs(actual - expected);
    if (!(error <= tolerance * scale)) // also catches NaN
      throw TestFailure(what + ": got " + describe(actual) + ", expected " +
                        describe(expected) + " (relative error " +
                        describe(scale > 0 ? error / scale : error) + " > " +
                        describe(tolerance) + ")");
  }

  inline void
  check_absolute(const double       actual,
                 const double       expected,
                 const double       tolerance,
                 const std::string &what)
  {
    if (!(std::abs(actual - expected) <= tolerance))
      throw TestFailure(what + ": got " + describe(actual) + ", expected " +
                        describe(expected) + " (error " +
                        describe(std::abs(actual - expected)) + " > " +
                        describe(tolerance) + ")");
  }

  inline void
  check(const bool condition, const std::string &what)
  {
    if (!condition)
      throw TestFailure(what);
  }

  /// Run @p f and require it to throw E; returns the exception's message.
  template <class E, class F>
  std::string
  expect_throw(F &&f, const std::string &what)
  {
    try
      {
        f();
      }
    catch (const E &e)
      {
        return e.what();
      }
    throw TestFailure(what + ": no exception was thrown");
  }

  /// Convergence rate between two refinement levels.
  inline double
  rate(const double error_coarse, const double error_fine, const double ratio)
  {
    return std::log(error_coarse / error_fine) / std::log(ratio);
  }
} // namespace anodeless::testing

#define ANODELESS_TEST(name)                                                \
  static void                                test_##name();                 \
  static const anodeless::testing::Registrar registrar_##name(#name,        \
                                                              test_##name); \
  static void                                test_##name()

#pragma once

#include <stdexcept>
#include <string>

namespace anodeless
{
  /**
   * @brief A problem with the user's input, reported as one paragraph.
   *
   * Thrown wherever a value or a combination of values is parsed or checked.
   * The top level adds the file name and the line on which the parameter was
   * set, prints the message on one rank and exits with code 1.
   *
   * @param parameter_path Full path such as "Stack/Halide layer/Thickness";
   *        empty if the problem is not tied to one parameter.
   * @param message What is wrong and what is allowed.
   * @param line Line in the input file (0 if unknown).
   */
  class InputError : public std::runtime_error
  {
  public:
    InputError(const std::string &parameter_path,
               const std::string &message,
               const unsigned int line = 0)
      : std::runtime_error(message)
      , path(parameter_path)
      , line_number(line)
    {
    }

    const std::string &
    parameter_path() const
    {
      return path;
    }

    unsigned int
    line() const
    {
      return line_number;
    }

  private:
    std::string  path;
    unsigned int line_number;
  };

  /**
   * @brief A numerical failure from which the run cannot recover (exit code
   * 3): the solver diverged after all allowed time-step cuts.
   */
  class SolverFailure : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };
} // namespace anodeless

namespace anodeless
{
  /**
   * One paragraph for the user: file, line, parameter path, then the
   * message, e.g. "error in 'cell.prm', line 12, parameter
   * 'Stack/Halide layer/Thickness': the value '-1' is not allowed. ..."
   */
  inline std::string
  format_input_error(const InputError &error, const std::string &filename)
  {
    std::string where = "error in parameter file '" + filename + "'";
    if (error.line() > 0)
      where += ", line " + std::to_string(error.line());
    if (!error.parameter_path().empty())
      where += std::string(", at '") + error.parameter_path() + "'" +
               (error.line() == 0 ? " (default value)" : "");
    return where + ": " + error.what();
  }
} // namespace anodeless

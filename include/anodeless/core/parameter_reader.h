#pragma once

#include <string>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  class PrmFile;

  /**
   * @brief Check a scanned parameter file against the declared parameters and
   * parse it into @p prm.
   *
   * Every subsection and key must exist and every value must match its
   * pattern; otherwise an InputError names the line, the full path, what is
   * allowed (with the parameter's own documentation, which carries the unit)
   * and, for a misspelt name, the closest declared one.
   */
  void
  parse_checked(dealii::ParameterHandler &prm, const PrmFile &file);

  /// "[Double 0...0.001 (inclusive)]" -> "a number from 0 to 0.001".
  std::string
  describe_pattern(const std::string &pattern_description);

  /// The documentation string of a declared parameter ("" if unknown).
  std::string
  parameter_documentation(const dealii::ParameterHandler &prm,
                          const std::string              &path);

  /**
   * Print every declared parameter as a Markdown reference: one table per
   * subsection with name, default, allowed values and documentation.
   */
  void
  print_parameters_markdown(const dealii::ParameterHandler &prm,
                            std::ostream                   &out);

  /// Every parameter as a .prm file, by subsection: documentation, allowed
  /// values and the current value (the default unless parsed).
  void
  print_parameters_prm(const dealii::ParameterHandler &prm, std::ostream &out);
} // namespace anodeless

#pragma once

#include <anodeless/electrochemistry/electrochemistry_parameters.h>
#include <anodeless/electrochemistry/short_circuit.h>
#include <anodeless/geometry/layer_stack.h>
#include <anodeless/geometry/refinement_parameters.h>
#include <anodeless/io/checkpoint.h>
#include <anodeless/materials/material_library.h>
#include <anodeless/mechanics/mechanics_parameters.h>
#include <anodeless/protocol/protocol.h>

#include <memory>
#include <string>

namespace dealii
{
  class ParameterHandler;
}

namespace anodeless
{
  /// How much a run prints on screen.
  enum class Verbosity
  {
    quiet,
    normal,
    detailed
  };

  /// The "Output" subsection.
  struct OutputParameters
  {
    /// Empty: output/<name of the parameter file without .prm>.
    std::string  directory;
    std::string  verbosity_name        = "normal";
    Verbosity    verbosity             = Verbosity::normal;
    unsigned int field_output_interval = 50; ///< steps between VTU files

    void
    declare(dealii::ParameterHandler &prm);
  };

  /**
   * @brief Everything a run reads from its parameter file.
   *
   * Each member declares its own subsection next to the code that uses it.
   * The object binds its members to a ParameterHandler while parsing, so it
   * is created on the heap and not moved until parsing is done.
   */
  struct RunParameters
  {
    unsigned int               dimension = 1;
    OutputParameters           output;
    StackParameters            stack;
    RefinementParameters       refinement;
    MaterialLibrary            materials;
    ElectrochemistryParameters electrochemistry;
    MechanicsParameters        mechanics;
    ShortCircuitParameters     short_circuit;
    CheckpointParameters       checkpoint;
    ProtocolParameters         protocol;

    /// The input file as read, and the full parameter set after parsing.
    std::string input_file;
    std::string input_text;
    std::string expanded_prm;
    std::string expanded_json;

    RunParameters()                      = default;
    RunParameters(const RunParameters &) = default;

    /// Declare every subsection and bind it to this object.
    void
    declare(dealii::ParameterHandler &prm);

    /// Cross-checks after parsing; throws InputError naming the parameter.
    void
    check() const;
  };

  /**
   * Read, check and parse a parameter file. Throws InputError (with the file
   * name, line and parameter path in its message) on any problem.
   *
   * @param dimension_override 0, or the dimension given with --dim.
   */
  std::unique_ptr<RunParameters>
  read_run_parameters(const std::string &filename,
                      unsigned int       dimension_override = 0);

  /// Same, from text (tests and tools).
  std::unique_ptr<RunParameters>
  parse_run_parameters(const std::string &text,
                       const std::string &name,
                       unsigned int       dimension_override = 0);

  /// The default parameter set in the requested format: "prm", "json" or
  /// "markdown".
  std::string
  default_parameters(const std::string &format);

  /// Output folder of a run read from @p input_file.
  std::string
  output_directory(const RunParameters &parameters);
} // namespace anodeless

#include <deal.II/base/parameter_handler.h>

#include <anodeless/core/errors.h>
#include <anodeless/core/parameter_reader.h>
#include <anodeless/core/prm_file.h>
#include <anodeless/core/run_parameters.h>
#include <anodeless/geometry/conducting_spots.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace anodeless
{
  void
  OutputParameters::declare(dealii::ParameterHandler &prm)
  {
    using namespace dealii;
    prm.enter_subsection("Output");
    prm.add_parameter("Directory",
                      directory,
                      "Folder for all results of the run, relative to the "
                      "working directory. Empty: output/<name of the "
                      "parameter file>.",
                      Patterns::Anything());
    prm.add_parameter("Verbosity",
                      verbosity_name,
                      "Screen output: quiet (errors and the final summary), "
                      "normal (a line per step), detailed (solver details).",
                      Patterns::Selection("quiet|normal|detailed"));
    prm.add_parameter("Field output interval",
                      field_output_interval,
                      "Write VTU field files every this many time steps "
                      "(and at the end of every protocol step); 0 writes "
                      "only the mesh.",
                      Patterns::Integer(0, 1000000));
    prm.leave_subsection();
  }

  void
  RunParameters::declare(dealii::ParameterHandler &prm)
  {
    prm.add_parameter("Dimension",
                      dimension,
                      "1: through-thickness (fastest); 2: plane-strain "
                      "window; 3: full 3D window. The command-line option "
                      "--dim overrides it.",
                      dealii::Patterns::Integer(1, 3));
    output.declare(prm);
    stack.declare(prm);
    refinement.declare(prm);
    materials.declare(prm);
    electrochemistry.declare(prm);
    mechanics.declare(prm);
    short_circuit.declare(prm);
    checkpoint.declare(prm);
    protocol.declare(prm);
  }

  void
  RunParameters::check() const
  {
    stack.check(dimension);
    refinement.check(dimension);
    if (refinement.global_refinements > 0)
      {
        // The uniformly refined mesh must fit the cell limit: a refinement
        // multiplies the cells by 2^dim.
        double cells = 0;
        for (const auto &layer : LayerStack(stack).layers())
          cells += layer.cell_heights.size();
        if (dimension >= 2)
          cells *= stack.lateral_cells;
        if (dimension == 3)
          cells *= stack.depth_cells;
        cells *= std::pow(2.0, dimension * refinement.global_refinements);
        if (cells > refinement.maximum_cells)
          throw InputError(
            "Mesh refinement/Global refinements",
            std::to_string(refinement.global_refinements) +
              " uniform refinements of the " + std::to_string(dimension) +
              "D layer mesh give " +
              std::to_string(static_cast<unsigned long long>(cells)) +
              " cells, more than 'Mesh refinement/Maximum cells' = " +
              std::to_string(refinement.maximum_cells) +
              ". Use fewer refinements, or raise the limit if the machine "
              "has the memory for them.");
      }
    for (const auto role : all_layer_roles)
      materials.get(stack.layers[static_cast<unsigned int>(role)].material);
    electrochemistry.check(dimension);
    mechanics.check();
    protocol.check();

    const bool has_halide =
      stack.layers[static_cast<unsigned int>(LayerRole::halide_layer)]
        .thickness > 0;
    if (has_halide && !(electrochemistry.halide.spot_area_fraction > 0 &&
                        electrochemistry.halide.spot_conductivity > 0))
      throw InputError(
        "Electrochemistry/Halide layer/Conducting spot area fraction",
        "the halide layer is present but conducts no electrons (spot area "
        "fraction and spot conductivity must both be positive): the "
        "current could not reach the anode current collector. Give a "
        "positive fraction, or remove the halide layer (thickness 0).");
    check_spot_positions(dimension, stack, electrochemistry.halide);
    if (has_halide)
      SpotMap(dimension, stack, electrochemistry.halide); // throws if unusable
  }

  namespace
  {
    std::unique_ptr<RunParameters>
    parse(const PrmFile &file, const unsigned int dimension_override)
    {
      auto                     parameters = std::make_unique<RunParameters>();
      dealii::ParameterHandler prm;
      parameters->declare(prm);
      parse_checked(prm, file);

      parameters->input_file = file.filename();
      parameters->input_text = file.text();
      if (dimension_override != 0)
        parameters->dimension = dimension_override;
      parameters->output.verbosity =
        parameters->output.verbosity_name == "quiet" ?
          Verbosity::quiet :
          (parameters->output.verbosity_name == "detailed" ?
             Verbosity::detailed :
             Verbosity::normal);
      parameters->checkpoint.resume =
        parameters->checkpoint.resume_name == "never" ?
          Resume::never :
          (parameters->checkpoint.resume_name == "always" ? Resume::always :
                                                            Resume::automatic);

      try
        {
          parameters->check();
        }
      catch (const InputError &e)
        {
          throw InputError(e.parameter_path(),
                           e.what(),
                           file.line_of(e.parameter_path()));
        }

      std::ostringstream expanded, json;
      print_parameters_prm(prm, expanded);
      prm.print_parameters(json, dealii::ParameterHandler::JSON);
      parameters->expanded_prm  = expanded.str();
      parameters->expanded_json = json.str();
      // The handler holds pointers into *parameters; drop them before
      // returning the object.
      return parameters;
    }
  } // namespace

  std::unique_ptr<RunParameters>
  read_run_parameters(const std::string &filename,
                      const unsigned int dimension_override)
  {
    return parse(PrmFile::read(filename), dimension_override);
  }

  std::unique_ptr<RunParameters>
  parse_run_parameters(const std::string &text,
                       const std::string &name,
                       const unsigned int dimension_override)
  {
    return parse(PrmFile::from_string(text, name), dimension_override);
  }

  std::string
  default_parameters(const std::string &format)
  {
    RunParameters            parameters;
    dealii::ParameterHandler prm;
    parameters.declare(prm);
    std::ostringstream out;
    if (format == "json")
      prm.print_parameters(out, dealii::ParameterHandler::JSON);
    else if (format == "markdown")
      print_parameters_markdown(prm, out);
    else
      print_parameters_prm(prm, out);
    return out.str();
  }

  std::string
  output_directory(const RunParameters &parameters)
  {
    if (!parameters.output.directory.empty())
      return parameters.output.directory;
    std::string stem  = parameters.input_file;
    const auto  slash = stem.rfind('/');
    if (slash != std::string::npos)
      stem = stem.substr(slash + 1);
    const auto dot = stem.rfind('.');
    if (dot != std::string::npos && dot > 0)
      stem = stem.substr(0, dot);
    return "output/" + stem;
  }
} // namespace anodeless

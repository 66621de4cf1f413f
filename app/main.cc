// The anodeless executable: command line, MPI, parse on rank 0 first, run,
// exit codes (0 done or shorted, 1 bad input or usage, 2 internal error, 3
// solver failure, 4 stopped by a signal after a checkpoint).
#include <deal.II/base/mpi.h>
#include <deal.II/base/utilities.h>

#include <anodeless/core/errors.h>
#include <anodeless/core/run_parameters.h>
#include <anodeless/core/version.h>
#include <anodeless/simulation.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace
{
  const char *const usage =
    "usage: anodeless [--dim 1|2|3] [--validate] [--output DIR] FILE.prm\n"
    "       anodeless --print-parameters [prm|json|markdown]\n"
    "       anodeless --help | --version\n";

  const char *const help =
    "anodeless simulates anode-free all-solid-state lithium cells with the\n"
    "finite-element method: the layer stack, its electrochemistry and its\n"
    "mechanics, in 1D, 2D or 3D, on one or many MPI ranks.\n\n"
    "  FILE.prm                 parameter file describing the cell and the\n"
    "                           protocol (see parameter_files/)\n"
    "  --dim N                  run in N dimensions (overrides 'Dimension')\n"
    "  --validate               check FILE.prm and exit (0: valid, 1: not)\n"
    "  --output DIR             write results to DIR (overrides\n"
    "                           'Output/Directory')\n"
    "  --print-parameters [FMT] print every parameter with its default,\n"
    "                           allowed values and documentation (prm, json\n"
    "                           or markdown; default prm)\n"
    "  --version                print the version\n"
    "  --help                   print this text\n\n"
    "Run in parallel with mpirun -np N anodeless FILE.prm.\n";

  struct CommandLine
  {
    unsigned int dimension = 0;
    bool         validate  = false;
    std::string  output;
    std::string  file;
    std::string  print_format; // non-empty: --print-parameters
    bool         show_help    = false;
    bool         show_version = false;
  };

  CommandLine
  parse_command_line(const std::vector<std::string> &args)
  {
    CommandLine cl;
    for (std::size_t i = 0; i < args.size(); ++i)
      {
        const std::string &a = args[i];
        if (a == "--help" || a == "-h")
          cl.show_help = true;
        else if (a == "--version")
          cl.show_version = true;
        else if (a == "--validate")
          cl.validate = true;
        else if (a == "--dim")
          {
            if (i + 1 >= args.size() ||
                (args[i + 1] != "1" && args[i + 1] != "2" &&
                 args[i + 1] != "3"))
              throw std::invalid_argument("--dim needs 1, 2 or 3");
            cl.dimension = std::stoi(args[++i]);
          }
        else if (a == "--output")
          {
            if (i + 1 >= args.size() || args[i + 1].empty())
              throw std::invalid_argument("--output needs a directory");
            cl.output = args[++i];
          }
        else if (a == "--print-parameters")
          {
            cl.print_format = "prm";
            if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
              {
                cl.print_format = args[++i];
                if (cl.print_format != "prm" && cl.print_format != "json" &&
                    cl.print_format != "markdown")
                  throw std::invalid_argument(
                    "--print-parameters takes prm, json or markdown, not '" +
                    cl.print_format + "'");
              }
          }
        else if (a.rfind("--", 0) == 0)
          throw std::invalid_argument("unknown option '" + a + "'");
        else if (cl.file.empty())
          cl.file = a;
        else
          throw std::invalid_argument("more than one parameter file given ('" +
                                      cl.file + "' and '" + a + "')");
      }
    if (!cl.show_help && !cl.show_version && cl.print_format.empty() &&
        cl.file.empty())
      throw std::invalid_argument("no parameter file given");
    return cl;
  }
} // namespace

int
main(int argc, char **argv)
{
  using namespace anodeless;
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  const MPI_Comm                           world = MPI_COMM_WORLD;
  const bool root = dealii::Utilities::MPI::this_mpi_process(world) == 0;

  CommandLine cl;
  try
    {
      cl = parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
    }
  catch (const std::invalid_argument &e)
    {
      if (root)
        std::cerr << "anodeless: " << e.what() << "\n" << usage;
      return 1;
    }
  if (cl.show_help)
    {
      if (root)
        std::cout << help << "\n" << usage;
      return 0;
    }
  if (cl.show_version)
    {
      if (root)
        std::cout << "anodeless " << version_string << "\n";
      return 0;
    }
  if (!cl.print_format.empty())
    {
      if (root)
        std::cout << default_parameters(cl.print_format);
      return 0;
    }

  // Rank 0 parses first so that a bad input gives one message, not one per
  // rank; the others parse only once the file is known to be good.
  std::unique_ptr<RunParameters> parameters;
  std::string                    error;
  if (root)
    {
      try
        {
          parameters = read_run_parameters(cl.file, cl.dimension);
        }
      catch (const InputError &e)
        {
          error = format_input_error(e, cl.file);
        }
      catch (const std::exception &e)
        {
          error = "error in parameter file '" + cl.file +
                  "': it could not be read (" + e.what() + ").";
        }
      // An output folder must be a folder (checked before anything is
      // written; the folder itself is created by the run).
      if (error.empty() && !cl.validate)
        {
          const std::string folder =
            cl.output.empty() ? output_directory(*parameters) : cl.output;
          if (std::filesystem::exists(folder) &&
              !std::filesystem::is_directory(folder))
            error = "the output folder '" + folder +
                    "' exists and is not a folder. Give another 'Output/"
                    "Directory' or --output.";
        }
    }
  error = dealii::Utilities::MPI::broadcast(world, error, 0);
  if (!error.empty())
    {
      if (root)
        std::cerr << "anodeless: " << error << "\n";
      return 1;
    }
  if (!root)
    parameters = read_run_parameters(cl.file, cl.dimension);
  if (!cl.output.empty())
    parameters->output.directory = cl.output;

  if (cl.validate)
    {
      if (root)
        std::cout << cl.file << ": valid (" << parameters->dimension << "D)\n";
      return 0;
    }

  try
    {
      return run_simulation(*parameters, world);
    }
  catch (const InputError &e)
    {
      // Input problems found while running are found by every rank alike.
      if (root)
        std::cerr << "anodeless: " << format_input_error(e, cl.file) << "\n";
      MPI_Abort(world, 1);
    }
  catch (const SolverFailure &e)
    {
      // Every rank fails alike (the convergence tests are global): the
      // run has written its checkpoint and summary and ends normally.
      if (root)
        std::cerr << "anodeless: the solver failed: " << e.what()
                  << ". The newest checkpoint in the output folder holds "
                     "the last accepted state to resume from (for example "
                     "with other Electrochemistry/Solver settings); "
                     "summary.json has status 'failed'.\n";
      return 3;
    }
  catch (const std::exception &e)
    {
      std::cerr << "anodeless: internal error on rank "
                << dealii::Utilities::MPI::this_mpi_process(world) << ": "
                << e.what() << "\n";
      MPI_Abort(world, 2);
    }
  return 2;
}

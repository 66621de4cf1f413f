#pragma once

// What the benchmark executables share: wall-clock and memory measurement
// and their command line "DIM FIRST_LEVEL LAST_LEVEL [SOLVER]".

#include <deal.II/base/mpi.h>

#include <sys/resource.h>

#include <chrono>
#include <iostream>
#include <string>

namespace anodeless::benchmark
{
  inline double
  seconds_since(const std::chrono::steady_clock::time_point start)
  {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
      .count();
  }

  /// Largest resident memory of any rank so far [MB].
  inline double
  peak_memory(const MPI_Comm comm)
  {
    rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return dealii::Utilities::MPI::max(usage.ru_maxrss / 1024.0, comm);
  }

  struct Arguments
  {
    int          dim   = 0;
    unsigned int first = 0;
    unsigned int last  = 0;
    std::string  solver;
  };

  /// Parse "DIM FIRST LAST [SOLVER]"; on bad input print the usage and
  /// return false.
  inline bool
  parse(const int          argc,
        char             **argv,
        const std::string &name,
        const std::string &solvers,
        Arguments         &arguments)
  {
    const std::string usage =
      "usage: " + name + " DIM(2|3) FIRST_LEVEL LAST_LEVEL [" + solvers + "]\n";
    if (argc < 4)
      {
        std::cerr << usage;
        return false;
      }
    try
      {
        arguments.dim   = std::stoi(argv[1]);
        arguments.first = std::stoul(argv[2]);
        arguments.last  = std::stoul(argv[3]);
      }
    catch (const std::exception &)
      {
        std::cerr << usage;
        return false;
      }
    arguments.solver = argc > 4 ? argv[4] : "iterative";
    if ((arguments.dim != 2 && arguments.dim != 3) ||
        arguments.first > arguments.last ||
        ("|" + solvers + "|").find("|" + arguments.solver + "|") ==
          std::string::npos)
      {
        std::cerr << usage;
        return false;
      }
    return true;
  }

  /// The whole main(): parse the command line, run the series in 2D or 3D,
  /// and turn a failure (a step or a solve that did not converge) into a
  /// message and exit code 1.
  template <typename Run2D, typename Run3D>
  int
  main(int                argc,
       char             **argv,
       const std::string &name,
       const std::string &solvers,
       const Run2D       &run_2d,
       const Run3D       &run_3d)
  {
    dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
    Arguments                                a;
    if (!parse(argc, argv, name, solvers, a))
      return 1;
    try
      {
        if (a.dim == 2)
          run_2d(a.first, a.last, a.solver);
        else
          run_3d(a.first, a.last, a.solver);
      }
    catch (const std::exception &e)
      {
        std::cerr << name << ": " << e.what() << std::endl;
        return 1;
      }
    return 0;
  }
} // namespace anodeless::benchmark

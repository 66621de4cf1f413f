#include <deal.II/base/mpi.h>

#include <testing.h>

#include <iostream>

namespace anodeless::testing
{
  std::map<std::string, std::function<void()>> &
  registry()
  {
    static std::map<std::string, std::function<void()>> tests;
    return tests;
  }

  std::ostream &
  log()
  {
    static std::ostringstream sink;
    if (dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD) == 0)
      return std::cout;
    sink.str("");
    return sink;
  }
} // namespace anodeless::testing

int
main(int argc, char **argv)
{
  dealii::Utilities::MPI::MPI_InitFinalize mpi(argc, argv, 1);
  using anodeless::testing::registry;
  const unsigned int rank =
    dealii::Utilities::MPI::this_mpi_process(MPI_COMM_WORLD);
  if (argc != 2 || registry().count(argv[1]) == 0)
    {
      if (rank == 0)
        {
          std::cerr << "usage: anodeless_tests TEST\navailable tests:\n";
          for (const auto &t : registry())
            std::cerr << "  " << t.first << "\n";
        }
      return 2;
    }
  try
    {
      registry()[argv[1]]();
    }
  catch (const std::exception &e)
    {
      std::cerr << "FAILED " << argv[1] << " (rank " << rank
                << "): " << e.what() << std::endl;
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  if (rank == 0)
    std::cout << "PASSED " << argv[1] << std::endl;
  return 0;
}

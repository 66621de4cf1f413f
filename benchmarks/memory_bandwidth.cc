// The machine's memory bandwidth, for reading the solver benchmarks
// against it: the STREAM triad a = b + s c (McCalpin's kernel, counted as
// three arrays moved) and a sparse matrix-vector product in compressed
// rows with the 9-point stencil of a 2D Q1 mesh, the kernel of every CG
// iteration. Every rank works on its own arrays at once, so the figures of
// 2 ranks show what the cores share.
//
//   memory_bandwidth [MEGABYTES_PER_ARRAY]
//
// Prints one Markdown row: ranks, the triad and the product [GB/s] of all
// ranks together, the product's time per row on each rank [ns] and the rows
// per rank; the best of ten repetitions each.
// Run by benchmarks/run --bandwidth; not a test.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace
{
  /// Seconds of the slowest rank for one call of work(), started together.
  template <typename Work>
  double
  timed(const MPI_Comm comm, Work &&work)
  {
    MPI_Barrier(comm);
    const auto start = std::chrono::steady_clock::now();
    work();
    double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
        .count();
    MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm);
    return seconds;
  }

  struct CompressedRows
  {
    std::vector<int>    row_start;
    std::vector<int>    column;
    std::vector<double> value;
  };

  /// The 9-point stencil of an n x n grid of nodes, numbered row by row.
  CompressedRows
  nine_point_matrix(const int n)
  {
    CompressedRows a;
    a.row_start.reserve(static_cast<std::size_t>(n) * n + 1);
    a.row_start.push_back(0);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        {
          for (int dj = -1; dj <= 1; ++dj)
            for (int di = -1; di <= 1; ++di)
              if (i + di >= 0 && i + di < n && j + dj >= 0 && j + dj < n)
                {
                  a.column.push_back((j + dj) * n + i + di);
                  a.value.push_back(di == 0 && dj == 0 ? 8.0 : -1.0);
                }
          a.row_start.push_back(static_cast<int>(a.column.size()));
        }
    return a;
  }
} // namespace

int
main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  const MPI_Comm comm = MPI_COMM_WORLD;
  int            rank = 0, ranks = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  double megabytes = 256;
  if (argc > 1)
    {
      char *end = nullptr;
      megabytes = std::strtod(argv[1], &end);
      if (end == argv[1] || *end != '\0' || !(megabytes >= 1) ||
          megabytes > 4096)
        {
          if (rank == 0)
            std::fprintf(stderr,
                         "usage: memory_bandwidth [MEGABYTES_PER_ARRAY]: a "
                         "number from 1 to 4096 (default 256), not '%s'\n",
                         argv[1]);
          MPI_Finalize();
          return 1;
        }
    }
  const int repetitions = 10;

  // Triad over arrays far larger than the caches.
  const std::size_t   n = static_cast<std::size_t>(megabytes * 1e6 / 8);
  std::vector<double> a(n, 0.0), b(n, 1.0), c(n, 2.0);
  const double        s    = 3.0;
  double              best = 1e300;
  for (int k = 0; k < repetitions; ++k)
    best = std::min(best, timed(comm, [&] {
                      for (std::size_t i = 0; i < n; ++i)
                        a[i] = b[i] + s * c[i];
                    }));
  const double triad = ranks * 3.0 * 8.0 * n / best / 1e9;

  // The product over a matrix of about the same size: values and columns
  // 12 bytes per entry, the row starts, the result and the vector.
  const int side =
    std::max(2,
             static_cast<int>(std::sqrt(megabytes * 1e6 / (9 * 12.0 + 20.0))));
  const CompressedRows matrix = nine_point_matrix(side);
  const std::size_t    rows   = matrix.row_start.size() - 1;
  std::vector<double>  x(rows, 1.0), y(rows, 0.0);
  double               best_product = 1e300;
  for (int k = 0; k < repetitions; ++k)
    best_product = std::min(best_product, timed(comm, [&] {
                              for (std::size_t r = 0; r < rows; ++r)
                                {
                                  double sum = 0;
                                  for (int e = matrix.row_start[r];
                                       e < matrix.row_start[r + 1];
                                       ++e)
                                    sum +=
                                      matrix.value[e] * x[matrix.column[e]];
                                  y[r] = sum;
                                }
                            }));
  const double bytes   = 12.0 * matrix.value.size() + 20.0 * rows;
  const double product = ranks * bytes / best_product / 1e9;

  // Keep the results alive, and check them: a row of the stencil inside
  // the grid sums to zero.
  const std::size_t middle =
    static_cast<std::size_t>(side / 2) * side + side / 2;
  double check = a[n / 2] + y[middle];
  MPI_Allreduce(MPI_IN_PLACE, &check, 1, MPI_DOUBLE, MPI_SUM, comm);
  if (check != ranks * 7.0)
    {
      if (rank == 0)
        std::fprintf(stderr,
                     "memory_bandwidth: wrong results (check sum %g, "
                     "expected %g): the timings are not valid\n",
                     check,
                     ranks * 7.0);
      MPI_Finalize();
      return 2;
    }
  if (rank == 0)
    std::printf("| %d | %.1f | %.1f | %.2f | %zu |\n",
                ranks,
                triad,
                product,
                best_product / rows * 1e9,
                rows);
  MPI_Finalize();
  return 0;
}

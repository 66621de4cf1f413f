// Block symmetric Gauss-Seidel over lines of unknowns (see the header).
#include <Epetra_CrsMatrix.h>
#include <Epetra_Import.h>
#include <Epetra_MpiComm.h>
#include <Epetra_MultiVector.h>
#include <mpi.h>

#include <anodeless/mechanics/line_relaxation.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>
#include <unordered_map>

namespace anodeless
{
  namespace
  {
    /// Widest band a line's block may have. In 2D a lateral neighbour's
    /// unknowns lie at most 3 places away in the line's order (x, then the
    /// component); a coupling further away marks an unknown shared by a
    /// face.
    constexpr unsigned int widest_band = 8;

    /// A line's rows (or a single row) and the half bandwidth of its block.
    struct Block
    {
      std::vector<int> rows;
      unsigned int     band = 0;
    };
  } // namespace

  /// Rows in compressed form, their columns as indices of the rows this
  /// rank relaxes (couplings to other rows left out).
  struct LineRelaxation::Rows
  {
    std::vector<int>    start{0}, column;
    std::vector<double> value;
  };

  LineRelaxation::LineRelaxation(const Epetra_CrsMatrix       &matrix,
                                 const std::vector<LinePlace> &places)
    : map(matrix.OperatorDomainMap())
  {
    const int              n    = matrix.NumMyRows();
    const auto            &rows = matrix.RowMap();
    std::vector<bool>      relaxed_here(n, true);
    std::vector<long long> taken;
    share_lines(matrix, places, relaxed_here, taken);
    const bool shared = importer != nullptr;

    // Relaxed rows: this rank's own rows, then the rows it takes.
    std::unordered_map<long long, int> taken_row;
    for (std::size_t k = 0; k < taken.size(); ++k)
      taken_row[taken[k]] = n + static_cast<int>(k);
    const auto relaxed_row = [&](const long long global) {
      const int local = rows.GlobalIndicesInt() ?
                          rows.LID(static_cast<int>(global)) :
                          rows.LID(global);
      if (local >= 0)
        return relaxed_here[local] ? local : -1;
      const auto found = taken_row.find(global);
      return found == taken_row.end() ? -1 : found->second;
    };
    const auto      &columns = matrix.ColMap();
    std::vector<int> column_row(columns.NumMyElements());
    for (int c = 0; c < columns.NumMyElements(); ++c)
      column_row[c] = relaxed_row(
        columns.GlobalIndicesInt() ? columns.GID(c) : columns.GID64(c));
    Rows                   all;
    std::vector<LinePlace> all_places(places);
    for (int i = 0; i < n; ++i)
      {
        int     length = 0;
        double *values;
        int    *indices;
        if (relaxed_here[i])
          matrix.ExtractMyRowView(i, length, values, indices);
        for (int k = 0; k < length; ++k)
          if (column_row[indices[k]] >= 0)
            {
              all.column.push_back(column_row[indices[k]]);
              all.value.push_back(values[k]);
            }
        all.start.push_back(static_cast<int>(all.column.size()));
      }
    if (shared)
      {
        // The taken rows' entries and places, from their owners.
        Epetra_CrsMatrix incoming(Copy, *taken_map, 0);
        incoming.Import(matrix, *importer, Insert);
        Epetra_MultiVector where(rows, 4), taken_where(*taken_map, 4);
        for (int i = 0; i < n; ++i)
          {
            where[0][i] = places[i].known;
            where[1][i] = places[i].height;
            where[2][i] = places[i].along;
            where[3][i] = places[i].component;
          }
        taken_where.Import(where, *importer, Insert);
        std::vector<double>    values;
        std::vector<int>       indices;
        std::vector<long long> indices64;
        for (std::size_t k = 0; k < taken.size(); ++k)
          {
            const int length = incoming.NumMyEntries(static_cast<int>(k));
            values.resize(length);
            int got = 0;
            if (rows.GlobalIndicesInt())
              {
                indices.resize(length);
                incoming.ExtractGlobalRowCopy(static_cast<int>(taken[k]),
                                              length,
                                              got,
                                              values.data(),
                                              indices.data());
                indices64.assign(indices.begin(), indices.begin() + got);
              }
            else
              {
                indices64.resize(length);
                incoming.ExtractGlobalRowCopy(taken[k],
                                              length,
                                              got,
                                              values.data(),
                                              indices64.data());
                indices64.resize(got);
              }
            for (int e = 0; e < got; ++e)
              {
                const int j = relaxed_row(indices64[e]);
                if (j >= 0)
                  {
                    all.column.push_back(j);
                    all.value.push_back(values[e]);
                  }
              }
            all.start.push_back(static_cast<int>(all.column.size()));
            LinePlace p;
            p.known     = taken_where[0][k] != 0;
            p.height    = taken_where[1][k];
            p.along     = taken_where[2][k];
            p.component = static_cast<unsigned int>(taken_where[3][k]);
            all_places.push_back(p);
          }
        taken_x = std::make_unique<Epetra_MultiVector>(*taken_map, 1);
        taken_y = std::make_unique<Epetra_MultiVector>(*taken_map, 1);
      }
    n_own = n;
    build(all, all_places);
  }

  LineRelaxation::~LineRelaxation() = default;

  void
  LineRelaxation::share_lines(const Epetra_CrsMatrix       &matrix,
                              const std::vector<LinePlace> &places,
                              std::vector<bool>            &relaxed_here,
                              std::vector<long long>       &taken)
  {
    const auto *mpi = dynamic_cast<const Epetra_MpiComm *>(&matrix.Comm());
    if (mpi == nullptr || mpi->NumProc() == 1)
      return;
    const MPI_Comm comm  = mpi->Comm();
    const int      rank  = mpi->MyPID();
    const int      ranks = mpi->NumProc();
    const int      n     = matrix.NumMyRows();

    // This rank's lines: heights within a tolerance of the whole mesh.
    double extent = 0;
    for (int i = 0; i < n; ++i)
      if (places[i].known)
        extent = std::max(extent, std::abs(places[i].height));
    MPI_Allreduce(MPI_IN_PLACE, &extent, 1, MPI_DOUBLE, MPI_MAX, comm);
    const double     tolerance = 1e-9 * extent;
    std::vector<int> by_height;
    for (int i = 0; i < n; ++i)
      if (places[i].known)
        by_height.push_back(i);
    std::sort(by_height.begin(), by_height.end(), [&](int a, int b) {
      return places[a].height < places[b].height;
    });
    std::vector<int>    local_line(n, -1);
    std::vector<double> line_height, line_rows; // per local line
    for (std::size_t k = 0; k < by_height.size(); ++k)
      {
        const int i = by_height[k];
        if (k == 0 ||
            places[i].height - places[by_height[k - 1]].height > tolerance)
          {
            line_height.push_back(places[i].height);
            line_rows.push_back(0);
          }
        local_line[i] = static_cast<int>(line_height.size()) - 1;
        ++line_rows.back();
      }

    // Every rank's lines, to find those that several ranks share.
    const auto all_gather = [&](const std::vector<double> &mine) {
      const int        count = static_cast<int>(mine.size());
      std::vector<int> counts(ranks), offsets(ranks + 1, 0);
      MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
      for (int r = 0; r < ranks; ++r)
        offsets[r + 1] = offsets[r] + counts[r];
      std::vector<double> all(offsets[ranks]);
      MPI_Allgatherv(mine.data(),
                     count,
                     MPI_DOUBLE,
                     all.data(),
                     counts.data(),
                     offsets.data(),
                     MPI_DOUBLE,
                     comm);
      return std::make_pair(all, offsets);
    };
    std::vector<double> mine;
    for (std::size_t l = 0; l < line_height.size(); ++l)
      mine.insert(mine.end(), {line_height[l], line_rows[l]});
    const auto [lines, line_offsets] = all_gather(mine);
    struct Share
    {
      double height;
      int    rank, line, rows;
    };
    std::vector<Share> shares;
    for (int r = 0; r < ranks; ++r)
      for (int k = line_offsets[r]; k < line_offsets[r + 1]; k += 2)
        shares.push_back({lines[k],
                          r,
                          (k - line_offsets[r]) / 2,
                          static_cast<int>(lines[k + 1])});
    std::sort(shares.begin(), shares.end(), [](const auto &a, const auto &b) {
      return std::tie(a.height, a.rank) < std::tie(b.height, b.rank);
    });
    // The rank with most of a shared line relaxes all of it (the lowest
    // such rank on a tie); each of this rank's lines learns its taker.
    std::vector<int> taker(line_height.size(), rank);
    bool             shared_anywhere = false;
    for (std::size_t first = 0; first < shares.size();)
      {
        std::size_t end = first + 1;
        while (end < shares.size() &&
               shares[end].height - shares[end - 1].height <= tolerance)
          ++end;
        int most = static_cast<int>(first);
        for (std::size_t k = first; k < end; ++k)
          if (shares[k].rows > shares[most].rows ||
              (shares[k].rows == shares[most].rows &&
               shares[k].rank < shares[most].rank))
            most = static_cast<int>(k);
        shared_anywhere = shared_anywhere || end - first > 1;
        for (std::size_t k = first; k < end; ++k)
          if (shares[k].rank == rank)
            taker[shares[k].line] = shares[most].rank;
        first = end;
      }
    if (!shared_anywhere)
      return;

    // The rows that move, as (global row, rank taking it). Every rank
    // hears of every moving row: few rows (those of the lines a partition
    // boundary cuts), and no rank needs to know who holds a line's rest.
    const auto &rows = matrix.RowMap();
    const auto  gid  = [&](const int i) {
      return rows.GlobalIndicesInt() ? static_cast<double>(rows.GID(i)) :
                                         static_cast<double>(rows.GID64(i));
    };
    std::vector<double> moving;
    std::vector<bool>   stays(n, true);
    for (int i = 0; i < n; ++i)
      if (local_line[i] >= 0 && taker[local_line[i]] != rank)
        {
          moving.insert(moving.end(), {gid(i), double(taker[local_line[i]])});
          stays[i] = false;
        }
    const auto moved = all_gather(moving).first;
    for (std::size_t k = 0; k < moved.size(); k += 2)
      if (static_cast<int>(moved[k + 1]) == rank)
        taken.push_back(static_cast<long long>(moved[k]));
    relaxed_here      = stays;
    const int n_taken = static_cast<int>(taken.size());
    if (rows.GlobalIndicesInt())
      {
        std::vector<int> ids(taken.begin(), taken.end());
        taken_map = std::make_unique<Epetra_Map>(-1,
                                                 n_taken,
                                                 ids.data(),
                                                 rows.IndexBase(),
                                                 matrix.Comm());
      }
    else
      taken_map = std::make_unique<Epetra_Map>(-1LL,
                                               n_taken,
                                               taken.data(),
                                               rows.IndexBase64(),
                                               matrix.Comm());
    importer = std::make_unique<Epetra_Import>(*taken_map, rows);
  }

  void
  LineRelaxation::build(const Rows &rows, const std::vector<LinePlace> &places)
  {
    const int          n = static_cast<int>(places.size());
    std::vector<Block> blocks;
    const auto         entries = [&](const int row) {
      const int first = rows.start[row];
      return std::make_tuple(rows.start[row + 1] - first,
                             rows.value.data() + first,
                             rows.column.data() + first);
    };
    const auto diagonal = [&](const int row) {
      const auto [length, values, columns] = entries(row);
      for (int k = 0; k < length; ++k)
        if (columns[k] == row)
          return values[k];
      return 0.0;
    };

    // Lines: the rows with a place, sorted by line, then along it.
    std::vector<int> by_line;
    double           extent = 0;
    std::vector<int> singles;
    for (int i = 0; i < n; ++i)
      if (!places[i].known && diagonal(i) > 0)
        singles.push_back(i);
    for (int i = 0; i < n; ++i)
      if (places[i].known && diagonal(i) > 0)
        {
          by_line.push_back(i);
          extent = std::max(extent, std::abs(places[i].height));
        }
    // The heights of one line may differ by round-off between cells: group
    // them within a tolerance, then order each line along it.
    const double     tolerance = 1e-9 * extent;
    std::vector<int> line_of(n, -1);
    std::sort(by_line.begin(), by_line.end(), [&](const int a, const int b) {
      return places[a].height < places[b].height;
    });
    for (std::size_t k = 0, id = 0; k < by_line.size(); ++k)
      {
        if (k > 0 && places[by_line[k]].height - places[by_line[k - 1]].height >
                       tolerance)
          ++id;
        line_of[by_line[k]] = static_cast<int>(id);
      }
    std::sort(by_line.begin(), by_line.end(), [&](const int a, const int b) {
      const auto &p = places[a], &q = places[b];
      if (line_of[a] != line_of[b])
        return line_of[a] < line_of[b];
      if (p.along != q.along)
        return p.along < q.along;
      return p.component < q.component;
    });
    const auto same_line = [&](const int a, const int b) {
      return line_of[a] == line_of[b];
    };

    std::vector<int> block_of(n, -1), position(n, -1);
    for (std::size_t start = 0; start < by_line.size();)
      {
        std::size_t end = start + 1;
        while (end < by_line.size() && same_line(by_line[start], by_line[end]))
          ++end;
        std::vector<int> line(by_line.begin() + start, by_line.begin() + end);
        start = end;
        // Rows coupled within the line beyond the band leave it, the most
        // widely coupled first, until the rest is banded.
        for (;;)
          {
            for (std::size_t k = 0; k < line.size(); ++k)
              position[line[k]] = static_cast<int>(k);
            // Far couplings counted for both ends, so that a hub (one
            // unknown for a whole face) leaves before its neighbours.
            std::vector<int> far(line.size(), 0);
            unsigned int     band = 0;
            for (const int row : line)
              {
                const auto [length, values, columns] = entries(row);
                for (int k = 0; k < length; ++k)
                  {
                    const int j = columns[k];
                    if (j < 0 || position[j] < 0 || values[k] == 0)
                      continue;
                    const unsigned int distance =
                      std::abs(position[j] - position[row]);
                    if (distance > widest_band)
                      {
                        ++far[position[row]];
                        ++far[position[j]];
                      }
                    else
                      band = std::max(band, distance);
                  }
              }
            const auto most  = std::max_element(far.begin(), far.end());
            const int  worst = *most > 0 ? line[most - far.begin()] : -1;
            if (worst < 0)
              {
                for (const int row : line)
                  position[row] = -1;
                if (line.size() == 1)
                  singles.push_back(line[0]);
                else if (!line.empty())
                  {
                    Block block;
                    block.rows = std::move(line);
                    block.band = band;
                    blocks.push_back(std::move(block));
                  }
                break;
              }
            for (const int row : line)
              position[row] = -1;
            singles.push_back(worst);
            line.erase(std::find(line.begin(), line.end(), worst));
          }
      }
    for (const int row : singles)
      {
        Block block;
        block.rows = {row};
        blocks.push_back(std::move(block));
      }
    // The sweeps run over the rows in block order: gathered once per
    // application, each block's rows, couplings and factor are contiguous.
    order.clear();
    block_start.assign(1, 0);
    factor_start.assign(1, 0);
    block_band.clear();
    for (std::size_t b = 0; b < blocks.size(); ++b)
      {
        for (std::size_t k = 0; k < blocks[b].rows.size(); ++k)
          {
            const int row = blocks[b].rows[k];
            block_of[row] = static_cast<int>(b);
            position[row] = static_cast<int>(order.size());
            order.push_back(row);
          }
        block_start.push_back(static_cast<int>(order.size()));
        block_band.push_back(blocks[b].band);
        factor_start.push_back(factor_start.back() +
                               blocks[b].rows.size() * (blocks[b].band + 1));
      }

    // Couplings to other blocks; banded Cholesky of each block.
    // Each row's couplings to earlier blocks come first (the forward
    // sweep's), then those to later blocks (the backward sweep's).
    coupling_start.assign(order.size() + 1, 0);
    coupling_later.assign(order.size(), 0);
    coupling_column.clear();
    coupling_value.clear();
    for (std::size_t p = 0; p < order.size(); ++p)
      {
        const int i                          = order[p];
        const auto [length, values, columns] = entries(i);
        for (const bool later : {false, true})
          {
            if (later)
              coupling_later[p] = static_cast<int>(coupling_column.size());
            for (int k = 0; k < length; ++k)
              {
                const int j = columns[k];
                if (j >= 0 && block_of[j] >= 0 && block_of[j] != block_of[i] &&
                    values[k] != 0 && (block_of[j] > block_of[i]) == later)
                  {
                    coupling_column.push_back(position[j]);
                    coupling_value.push_back(values[k]);
                  }
              }
          }
        coupling_start[p + 1] = static_cast<int>(coupling_column.size());
      }
    factor.assign(factor_start.back(), 0.0);
    for (std::size_t b = 0; b < blocks.size(); ++b)
      {
        const unsigned int p         = block_band[b];
        const int          first_row = block_start[b];
        const int          m         = block_start[b + 1] - first_row;
        double            *block     = factor.data() + factor_start[b];
        // L(i, j) of the block, for j from i - p to i.
        const auto L = [block, p](const int i, const int j) -> double & {
          return block[i * (p + 1) + (i - j)];
        };
        for (int i = 0; i < m; ++i)
          {
            const int row                        = order[first_row + i];
            const auto [length, values, columns] = entries(row);
            for (int k = 0; k < length; ++k)
              {
                const int j = columns[k];
                if (j >= 0 && block_of[j] == block_of[row] &&
                    position[j] - first_row <= i &&
                    position[j] - first_row >= i - int(p))
                  L(i, position[j] - first_row) += values[k];
              }
          }
        for (int i = 0; i < m; ++i)
          {
            const int first = std::max(0, i - int(p));
            for (int j = first; j < i; ++j)
              {
                double sum = L(i, j);
                for (int k = std::max(first, j - int(p)); k < j; ++k)
                  sum -= L(i, k) * L(j, k);
                L(i, j) = sum / L(j, j);
              }
            double pivot = L(i, i);
            for (int k = first; k < i; ++k)
              pivot -= L(i, k) * L(i, k);
            if (!(pivot > 0) || !std::isfinite(pivot))
              {
                factored = false;
                return;
              }
            L(i, i) = std::sqrt(pivot);
          }
        // The substitutions multiply by the diagonal's inverse.
        for (int i = 0; i < m; ++i)
          L(i, i) = 1 / L(i, i);
      }
    gathered.resize(order.size());
    relaxed.resize(order.size());
  }

  namespace
  {
    /// Forward and back substitution with a banded Cholesky factor of half
    /// bandwidth P, row i stored as 1 / L(i, i), L(i, i - 1), ... L(i, i - P).
    template <int P>
    void
    banded_solve(const double *factor, const int m, double *t)
    {
      for (int i = 0; i < m; ++i)
        {
          const double *row  = factor + i * (P + 1);
          double        sum  = t[i];
          const int     last = i < P ? i : P;
          for (int k = 1; k <= last; ++k)
            sum -= row[k] * t[i - k];
          t[i] = sum * row[0];
        }
      for (int i = m; i-- > 0;)
        {
          double    sum  = t[i];
          const int last = m - 1 - i < P ? m - 1 - i : P;
          for (int k = 1; k <= last; ++k)
            sum -= factor[(i + k) * (P + 1) + k] * t[i + k];
          t[i] = sum * factor[i * (P + 1)];
        }
    }
  } // namespace

  void
  LineRelaxation::relax(const std::size_t b,
                        const bool        forward,
                        double           *x,
                        double           *y) const
  {
    // The forward sweep sees zero in the later blocks, and the backward
    // sweep the same earlier blocks as the forward one: each subtracts its
    // half of the couplings, the forward sweep keeping its result in x.
    const int first = block_start[b], last = block_start[b + 1];
    for (int i = first; i < last; ++i)
      {
        double    sum = x[i];
        const int end = forward ? coupling_later[i] : coupling_start[i + 1];
        for (int e = forward ? coupling_start[i] : coupling_later[i]; e < end;
             ++e)
          sum -= coupling_value[e] * y[coupling_column[e]];
        if (forward)
          x[i] = sum;
        y[i] = sum;
      }
    const double *f = factor.data() + factor_start[b];
    double       *t = y + first;
    const int     m = last - first;
    switch (block_band[b])
      {
        case 0:
          return banded_solve<0>(f, m, t);
        case 1:
          return banded_solve<1>(f, m, t);
        case 2:
          return banded_solve<2>(f, m, t);
        case 3:
          return banded_solve<3>(f, m, t);
        case 4:
          return banded_solve<4>(f, m, t);
        case 5:
          return banded_solve<5>(f, m, t);
        case 6:
          return banded_solve<6>(f, m, t);
        case 7:
          return banded_solve<7>(f, m, t);
        default:
          return banded_solve<widest_band>(f, m, t);
      }
  }

  int
  LineRelaxation::ApplyInverse(const Epetra_MultiVector &X,
                               Epetra_MultiVector       &Y) const
  {
    if (X.NumVectors() != Y.NumVectors())
      return -1;
    const std::size_t n_blocks = block_band.size();
    for (int v = 0; v < X.NumVectors(); ++v)
      {
        const double *x = X[v];
        double       *y = Y[v];
        // The rows taken from other ranks, read from their owners.
        const double *x_taken = nullptr;
        double       *y_taken = nullptr;
        if (importer)
          {
            Epetra_MultiVector column(View, X, v, 1);
            taken_x->Import(column, *importer, Insert);
            x_taken = (*taken_x)[0];
            y_taken = (*taken_y)[0];
          }
        for (std::size_t p = 0; p < order.size(); ++p)
          gathered[p] =
            order[p] < n_own ? x[order[p]] : x_taken[order[p] - n_own];
        std::fill(relaxed.begin(), relaxed.end(), 0.0);
        for (std::size_t b = 0; b < n_blocks; ++b)
          relax(b, true, gathered.data(), relaxed.data());
        for (std::size_t b = n_blocks; b-- > 0;)
          relax(b, false, gathered.data(), relaxed.data());
        // Rows in no block (no positive diagonal) stay zero; rows another
        // rank relaxes come back from it.
        std::fill(y, y + Y.MyLength(), 0.0);
        if (importer)
          taken_y->PutScalar(0.0);
        for (std::size_t p = 0; p < order.size(); ++p)
          if (order[p] < n_own)
            y[order[p]] = relaxed[p];
          else
            y_taken[order[p] - n_own] = relaxed[p];
        if (importer)
          {
            Epetra_MultiVector column(View, Y, v, 1);
            column.Export(*taken_y, *importer, Insert);
          }
      }
    return 0;
  }
} // namespace anodeless

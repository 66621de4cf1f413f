// Block symmetric Gauss-Seidel over lines of unknowns (see the header).
#include <Epetra_CrsMatrix.h>
#include <Epetra_MultiVector.h>

#include <anodeless/mechanics/line_relaxation.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

namespace anodeless
{
  namespace
  {
    /// The local row of a column of @p matrix, or -1 if another rank owns it.
    std::vector<int>
    column_rows(const Epetra_CrsMatrix &matrix)
    {
      const auto      &columns = matrix.ColMap();
      const auto      &rows    = matrix.RowMap();
      std::vector<int> row(columns.NumMyElements(), -1);
      for (int c = 0; c < columns.NumMyElements(); ++c)
        row[c] = columns.GlobalIndicesInt() ?
                   rows.LID(columns.GID(c)) :
                   rows.LID(static_cast<long long>(columns.GID64(c)));
      return row;
    }

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

  LineRelaxation::LineRelaxation(const Epetra_CrsMatrix       &matrix,
                                 const std::vector<LinePlace> &places)
    : map(matrix.OperatorDomainMap())
  {
    const int              n          = matrix.NumMyRows();
    const std::vector<int> column_row = column_rows(matrix);
    std::vector<Block>     blocks;
    const auto             entries = [&](const int row) {
      int     length;
      double *values;
      int    *columns;
      matrix.ExtractMyRowView(row, length, values, columns);
      return std::make_tuple(length, values, columns);
    };
    const auto diagonal = [&](const int row) {
      const auto [length, values, columns] = entries(row);
      for (int k = 0; k < length; ++k)
        if (column_row[columns[k]] == row)
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
                    const int j = column_row[columns[k]];
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
    coupling_start.assign(order.size() + 1, 0);
    coupling_column.clear();
    coupling_value.clear();
    for (std::size_t p = 0; p < order.size(); ++p)
      {
        const int i                          = order[p];
        const auto [length, values, columns] = entries(i);
        for (int k = 0; k < length; ++k)
          {
            const int j = column_row[columns[k]];
            if (j >= 0 && block_of[j] >= 0 && block_of[j] != block_of[i] &&
                values[k] != 0)
              {
                coupling_column.push_back(position[j]);
                coupling_value.push_back(values[k]);
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
                const int j = column_row[columns[k]];
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
  LineRelaxation::relax(const std::size_t b, const double *x, double *y) const
  {
    const int first = block_start[b], last = block_start[b + 1];
    for (int i = first; i < last; ++i)
      {
        double sum = x[i];
        for (int e = coupling_start[i]; e < coupling_start[i + 1]; ++e)
          sum -= coupling_value[e] * y[coupling_column[e]];
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
        for (std::size_t p = 0; p < order.size(); ++p)
          gathered[p] = x[order[p]];
        std::fill(relaxed.begin(), relaxed.end(), 0.0);
        for (std::size_t b = 0; b < n_blocks; ++b)
          relax(b, gathered.data(), relaxed.data());
        for (std::size_t b = n_blocks; b-- > 0;)
          relax(b, gathered.data(), relaxed.data());
        // Rows in no block (no positive diagonal) stay zero.
        std::fill(y, y + Y.MyLength(), 0.0);
        for (std::size_t p = 0; p < order.size(); ++p)
          y[order[p]] = relaxed[p];
      }
    return 0;
  }
} // namespace anodeless

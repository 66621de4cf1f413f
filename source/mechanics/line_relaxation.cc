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
  } // namespace

  LineRelaxation::LineRelaxation(const Epetra_CrsMatrix       &matrix,
                                 const std::vector<LinePlace> &places)
    : map(matrix.OperatorDomainMap())
  {
    const int              n          = matrix.NumMyRows();
    const std::vector<int> column_row = column_rows(matrix);
    const auto             entries    = [&](const int row) {
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
    std::vector<int> order;
    double           extent = 0;
    std::vector<int> singles;
    for (int i = 0; i < n; ++i)
      if (!places[i].known && diagonal(i) > 0)
        singles.push_back(i);
    for (int i = 0; i < n; ++i)
      if (places[i].known && diagonal(i) > 0)
        {
          order.push_back(i);
          extent = std::max(extent, std::abs(places[i].height));
        }
    // The heights of one line may differ by round-off between cells: group
    // them within a tolerance, then order each line along it.
    const double     tolerance = 1e-9 * extent;
    std::vector<int> line_of(n, -1);
    std::sort(order.begin(), order.end(), [&](const int a, const int b) {
      return places[a].height < places[b].height;
    });
    for (std::size_t k = 0, id = 0; k < order.size(); ++k)
      {
        if (k > 0 &&
            places[order[k]].height - places[order[k - 1]].height > tolerance)
          ++id;
        line_of[order[k]] = static_cast<int>(id);
      }
    std::sort(order.begin(), order.end(), [&](const int a, const int b) {
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
    for (std::size_t start = 0; start < order.size();)
      {
        std::size_t end = start + 1;
        while (end < order.size() && same_line(order[start], order[end]))
          ++end;
        std::vector<int> line(order.begin() + start, order.begin() + end);
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
    for (std::size_t b = 0; b < blocks.size(); ++b)
      for (std::size_t k = 0; k < blocks[b].rows.size(); ++k)
        {
          block_of[blocks[b].rows[k]] = static_cast<int>(b);
          position[blocks[b].rows[k]] = static_cast<int>(k);
        }

    // Couplings to other blocks; banded Cholesky of each block.
    coupling_start.assign(n + 1, 0);
    for (int i = 0; i < n; ++i)
      {
        coupling_start[i + 1] = coupling_start[i];
        if (block_of[i] < 0)
          continue;
        const auto [length, values, columns] = entries(i);
        for (int k = 0; k < length; ++k)
          {
            const int j = column_row[columns[k]];
            if (j >= 0 && block_of[j] >= 0 && block_of[j] != block_of[i] &&
                values[k] != 0)
              {
                coupling_row.push_back(j);
                coupling_value.push_back(values[k]);
                ++coupling_start[i + 1];
              }
          }
      }
    for (auto &block : blocks)
      {
        const unsigned int p = block.band;
        const int          m = static_cast<int>(block.rows.size());
        block.factor.assign(static_cast<std::size_t>(m) * (p + 1), 0.0);
        const auto L = [&](const int i, const int j) -> double & {
          return block.factor[i * (p + 1) + (i - j)];
        };
        for (int i = 0; i < m; ++i)
          {
            const int row                        = block.rows[i];
            const auto [length, values, columns] = entries(row);
            for (int k = 0; k < length; ++k)
              {
                const int j = column_row[columns[k]];
                if (j >= 0 && block_of[j] == block_of[row] &&
                    position[j] <= i && position[j] >= i - int(p))
                  L(i, position[j]) += values[k];
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
    std::size_t longest = 1;
    for (const auto &block : blocks)
      longest = std::max(longest, block.rows.size());
    work.resize(longest);
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
  LineRelaxation::solve_block(const Block &block, double *t) const
  {
    const double *f = block.factor.data();
    const int     m = static_cast<int>(block.rows.size());
    switch (block.band)
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

  void
  LineRelaxation::relax(const Block &block, const double *x, double *y) const
  {
    const std::size_t m = block.rows.size();
    double           *t = work.data();
    for (std::size_t k = 0; k < m; ++k)
      {
        const int row = block.rows[k];
        double    sum = x[row];
        for (int e = coupling_start[row]; e < coupling_start[row + 1]; ++e)
          sum -= coupling_value[e] * y[coupling_row[e]];
        t[k] = sum;
      }
    solve_block(block, t);
    for (std::size_t k = 0; k < m; ++k)
      y[block.rows[k]] = t[k];
  }

  int
  LineRelaxation::ApplyInverse(const Epetra_MultiVector &X,
                               Epetra_MultiVector       &Y) const
  {
    if (X.NumVectors() != Y.NumVectors())
      return -1;
    for (int v = 0; v < X.NumVectors(); ++v)
      {
        const double *x = X[v];
        double       *y = Y[v];
        std::fill(y, y + Y.MyLength(), 0.0);
        for (const auto &block : blocks)
          relax(block, x, y);
        for (auto block = blocks.rbegin(); block != blocks.rend(); ++block)
          relax(*block, x, y);
      }
    return 0;
  }
} // namespace anodeless

// Block symmetric Gauss-Seidel over lines of unknowns: the multigrid
// smoother of the displacement where the layer mesh's cells are tall.
#ifndef ANODELESS_MECHANICS_LINE_RELAXATION_H
#define ANODELESS_MECHANICS_LINE_RELAXATION_H

#include <Epetra_Map.h>
#include <Epetra_Operator.h>

#include <cstddef>
#include <memory>
#include <vector>

class Epetra_CrsMatrix;
class Epetra_Import;
class Epetra_MultiVector;

namespace anodeless
{
  /**
   * Where a local row's unknown sits: the unknowns of one line share
   * @p height and are ordered along it by @p along, then by @p component.
   */
  struct LinePlace
  {
    bool         known     = false;
    double       height    = 0;
    double       along     = 0;
    unsigned int component = 0;
  };

  /**
   * One symmetric Gauss-Seidel sweep from zero over blocks that are lines
   * of a rank's unknowns, each solved exactly (banded Cholesky). Tall cells
   * couple an unknown far more strongly to its lateral neighbours than to
   * those above and below; relaxing a whole lateral line at once smooths
   * what point relaxation leaves. As Ifpack's point relaxation from zero,
   * each rank sweeps its own set of rows (values outside it are taken as
   * zero), which keeps the operator symmetric. A line that a partition
   * boundary cuts belongs whole to the set of the rank that owns most of
   * it: relaxed in parts, cut lines cost 12 and 14 CG iterations on 2 and 3
   * ranks where one rank needs 10 (displacement_line_smoother_tall_cells).
   * A row whose couplings within its line reach beyond a narrow band (an
   * unknown that carries a whole face, like the top plate's) is relaxed on
   * its own, so that every line's block stays banded.
   */
  class LineRelaxation : public Epetra_Operator
  {
  public:
    /// @p places has one entry per local row of @p matrix. Returns false
    /// (through ok()) if a block is not positive definite.
    LineRelaxation(const Epetra_CrsMatrix       &matrix,
                   const std::vector<LinePlace> &places);
    ~LineRelaxation() override;

    bool
    ok() const
    {
      return factored;
    }

    int
    ApplyInverse(const Epetra_MultiVector &X,
                 Epetra_MultiVector       &Y) const override;
    int
    Apply(const Epetra_MultiVector &, Epetra_MultiVector &) const override
    {
      return -1;
    }
    int
    SetUseTranspose(bool) override
    {
      return -1;
    }
    double
    NormInf() const override
    {
      return 0;
    }
    const char *
    Label() const override
    {
      return "line relaxation";
    }
    bool
    UseTranspose() const override
    {
      return false;
    }
    bool
    HasNormInf() const override
    {
      return false;
    }
    const Epetra_Comm &
    Comm() const override
    {
      return map.Comm();
    }
    const Epetra_Map &
    OperatorDomainMap() const override
    {
      return map;
    }
    const Epetra_Map &
    OperatorRangeMap() const override
    {
      return map;
    }

  private:
    struct Rows;

    /// A line with unknowns on several ranks is relaxed whole by the rank
    /// that has most of them, so that a partition boundary does not cut
    /// its block. Marks the rows this rank hands over (@p relaxed_here) and
    /// returns the global rows it takes (@p taken); sets taken_map and
    /// importer if any rank shares a line.
    void
    share_lines(const Epetra_CrsMatrix       &matrix,
                const std::vector<LinePlace> &places,
                std::vector<bool>            &relaxed_here,
                std::vector<long long>       &taken);

    /// Blocks, couplings and factors of the rows this rank relaxes: its
    /// own n_own rows, then the rows it takes.
    void
    build(const Rows &rows, const std::vector<LinePlace> &places);

    /// Relaxes block @p b in the forward or the backward sweep: @p x and
    /// @p y in block order.
    void
    relax(std::size_t b, bool forward, double *x, double *y) const;

    Epetra_Map map;
    int        n_own = 0;
    /// The rows this rank takes from others, and their exchange.
    std::unique_ptr<Epetra_Map>                 taken_map;
    std::unique_ptr<Epetra_Import>              importer;
    mutable std::unique_ptr<Epetra_MultiVector> taken_x, taken_y;
    /// The relaxed rows in block order; block b is order[block_start[b]] to
    /// order[block_start[b + 1] - 1], in its line's order.
    std::vector<int> order, block_start;
    /// Half bandwidth of each block's Cholesky factor, stored from
    /// factor_start[b], row i as 1 / L(i, i), L(i, i - 1), ...
    std::vector<unsigned int> block_band;
    std::vector<std::size_t>  factor_start;
    std::vector<double>       factor;
    /// The couplings of each row to rows of other blocks (CSR, block
    /// order), those to later blocks from coupling_later.
    std::vector<int>    coupling_start, coupling_later, coupling_column;
    std::vector<double> coupling_value;
    bool                factored = true;
    /// A sweep's right-hand side in block order (after the forward sweep,
    /// less the couplings to earlier blocks) and its result.
    mutable std::vector<double> gathered, relaxed;
  };
} // namespace anodeless

#endif

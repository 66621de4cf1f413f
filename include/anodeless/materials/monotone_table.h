#pragma once

#include <string>
#include <utility>
#include <vector>

namespace anodeless
{
  /**
   * @brief Monotone piecewise-cubic (PCHIP, Fritsch-Carlson) interpolation
   * of tabulated data, with its derivative.
   *
   * Between the points the interpolant is monotone wherever the data are, so
   * an open-circuit potential stays monotone in the Li fraction. Outside the
   * table it continues linearly with the end slopes.
   */
  class MonotoneTable
  {
  public:
    MonotoneTable() = default;

    /// @p x strictly increasing; throws std::invalid_argument otherwise.
    MonotoneTable(std::vector<double> x, std::vector<double> y);

    /// Read "x,y" rows from CSV text; '#' lines and a header row are skipped.
    static MonotoneTable
    from_csv(const std::string &text, const std::string &name);

    double
    value(double x) const;

    /// (value, derivative)
    std::pair<double, double>
    value_and_derivative(double x) const;

    double
    x_min() const
    {
      return xs.front();
    }

    double
    x_max() const
    {
      return xs.back();
    }

    std::size_t
    size() const
    {
      return xs.size();
    }

  private:
    std::vector<double> xs, ys, slopes;
  };
} // namespace anodeless

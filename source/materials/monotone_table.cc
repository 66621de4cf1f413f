#include <anodeless/materials/monotone_table.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace anodeless
{
  MonotoneTable::MonotoneTable(std::vector<double> x, std::vector<double> y)
    : xs(std::move(x))
    , ys(std::move(y))
  {
    const std::size_t n = xs.size();
    if (n < 2 || ys.size() != n)
      throw std::invalid_argument("a table needs at least two (x, y) rows");
    for (std::size_t i = 0; i + 1 < n; ++i)
      if (!(xs[i + 1] > xs[i]))
        throw std::invalid_argument(
          "table x values must increase strictly (row " +
          std::to_string(i + 2) + ")");

    // Fritsch-Carlson slopes: harmonic mean of the secants where they have
    // the same sign, zero at extrema; one-sided three-point ends.
    std::vector<double> h(n - 1), delta(n - 1);
    for (std::size_t i = 0; i + 1 < n; ++i)
      {
        h[i]     = xs[i + 1] - xs[i];
        delta[i] = (ys[i + 1] - ys[i]) / h[i];
      }
    slopes.assign(n, 0.0);
    if (n == 2)
      {
        slopes[0] = slopes[1] = delta[0];
        return;
      }
    for (std::size_t i = 1; i + 1 < n; ++i)
      if (delta[i - 1] * delta[i] > 0)
        {
          const double w1 = 2 * h[i] + h[i - 1], w2 = h[i] + 2 * h[i - 1];
          slopes[i] = (w1 + w2) / (w1 / delta[i - 1] + w2 / delta[i]);
        }
    const auto end_slope = [](double h0, double h1, double d0, double d1) {
      double s = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1);
      if (s * d0 <= 0)
        s = 0;
      else if (d0 * d1 < 0 && std::abs(s) > std::abs(3 * d0))
        s = 3 * d0;
      return s;
    };
    slopes[0]     = end_slope(h[0], h[1], delta[0], delta[1]);
    slopes[n - 1] = end_slope(h[n - 2], h[n - 3], delta[n - 2], delta[n - 3]);
  }

  MonotoneTable
  MonotoneTable::from_csv(const std::string &text, const std::string &name)
  {
    std::istringstream  in(text);
    std::string         line;
    std::vector<double> x, y;
    unsigned int        line_number = 0;
    while (std::getline(in, line))
      {
        ++line_number;
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#')
          continue;
        std::replace(line.begin(), line.end(), ',', ' ');
        std::istringstream row(line);
        double             a, b;
        if (!(row >> a >> b))
          {
            if (x.empty()) // a header row
              continue;
            throw std::invalid_argument(name + ", line " +
                                        std::to_string(line_number) +
                                        ": expected two numbers 'x,y'");
          }
        if (!std::isfinite(a) || !std::isfinite(b))
          throw std::invalid_argument(name + ", line " +
                                      std::to_string(line_number) +
                                      ": values must be finite");
        x.push_back(a);
        y.push_back(b);
      }
    try
      {
        return MonotoneTable(x, y);
      }
    catch (const std::invalid_argument &e)
      {
        throw std::invalid_argument(name + ": " + e.what());
      }
  }

  std::pair<double, double>
  MonotoneTable::value_and_derivative(const double x) const
  {
    if (x <= xs.front())
      return {ys.front() + slopes.front() * (x - xs.front()), slopes.front()};
    if (x >= xs.back())
      return {ys.back() + slopes.back() * (x - xs.back()), slopes.back()};
    const std::size_t i =
      std::upper_bound(xs.begin(), xs.end(), x) - xs.begin() - 1;
    const double h  = xs[i + 1] - xs[i];
    const double t  = (x - xs[i]) / h;
    const double t2 = t * t, t3 = t2 * t;
    const double h00 = 2 * t3 - 3 * t2 + 1, h10 = t3 - 2 * t2 + t;
    const double h01 = -2 * t3 + 3 * t2, h11 = t3 - t2;
    const double value = h00 * ys[i] + h10 * h * slopes[i] + h01 * ys[i + 1] +
                         h11 * h * slopes[i + 1];
    const double d00 = (6 * t2 - 6 * t) / h, d10 = 3 * t2 - 4 * t + 1;
    const double d01 = (-6 * t2 + 6 * t) / h, d11 = 3 * t2 - 2 * t;
    const double derivative =
      d00 * ys[i] + d10 * slopes[i] + d01 * ys[i + 1] + d11 * slopes[i + 1];
    return {value, derivative};
  }

  double
  MonotoneTable::value(const double x) const
  {
    return value_and_derivative(x).first;
  }
} // namespace anodeless

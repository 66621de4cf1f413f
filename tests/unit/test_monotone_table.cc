// Monotone cubic interpolation of tabulated data (the NMC811 OCP).
#include <anodeless/materials/monotone_table.h>
#include <anodeless/materials/nmc811.h>

#include <testing.h>

#include <cmath>

using namespace anodeless;
using namespace anodeless::testing;

ANODELESS_TEST(monotone_table)
{
  // Reproduces the data points, is monotone between them, and its
  // derivative matches finite differences.
  const MonotoneTable &ocp = nmc811_ocp_zhuo2023();
  check(ocp.size() == 881, "the shipped NMC811 table has 881 points");
  check_relative(ocp.value(0.230685), 4.253594, 1e-12, "U at a data point");
  check_relative(ocp.value(1.0), 3.023636, 1e-12, "U at x = 1");
  double previous = ocp.value(ocp.x_min());
  for (unsigned int k = 1; k <= 100000; ++k)
    {
      const double x = ocp.x_min() + (ocp.x_max() - ocp.x_min()) * k / 100000;
      const double u = ocp.value(x);
      check(u <= previous, "U decreasing at x = " + describe(x));
      previous = u;
    }
  for (const double x : {0.3, 0.55, 0.8, 0.95, 0.999})
    {
      const double h  = 1e-7;
      const double fd = (ocp.value(x + h) - ocp.value(x - h)) / (2 * h);
      check_relative(ocp.value_and_derivative(x).second,
                     fd,
                     1e-4,
                     "dU/dx at " + describe(x));
    }
  // Linear continuation outside the table.
  const auto [u0, s0] = ocp.value_and_derivative(ocp.x_min());
  check_relative(ocp.value(ocp.x_min() - 0.01),
                 u0 - 0.01 * s0,
                 1e-12,
                 "extrapolation below the table");

  // A cubic is reproduced where its data are monotone only approximately,
  // but a straight line exactly.
  const MonotoneTable line({0, 1, 2, 3}, {1, 3, 5, 7});
  check_relative(line.value(1.37), 1 + 2 * 1.37, 1e-14, "straight line");
  expect_throw<std::invalid_argument>(
    [] {
      MonotoneTable({0, 1, 1}, {0, 1, 2});
    },
    "repeated x");
  expect_throw<std::invalid_argument>(
    [] { MonotoneTable::from_csv("x,y\n0,1\nfoo,bar\n", "bad.csv"); },
    "non-numeric row");
}

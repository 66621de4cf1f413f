// Manufactured solution for the coupled phi_s / phi_e problem with a
// nonlinear reaction, on the same hp structure as the cell: an electronic
// band (phi_s only), a mixed band (both, reacting) and an ionic band (phi_e
// only), stacked along the last coordinate. The weak form is the library's
// add_charge_conservation(); Q1 elements must converge at order 2 in L2 and
// order 1 in H1.
#include <deal.II/base/function.h>
#include <deal.II/base/quadrature_lib.h>

#include <deal.II/distributed/tria.h>

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>

#include <deal.II/fe/fe_nothing.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/fe/fe_system.h>

#include <deal.II/grid/grid_generator.h>

#include <deal.II/hp/fe_collection.h>
#include <deal.II/hp/fe_values.h>
#include <deal.II/hp/q_collection.h>

#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/dynamic_sparsity_pattern.h>
#include <deal.II/lac/sparsity_tools.h>

#include <deal.II/numerics/vector_tools_boundary.h>

#include <anodeless/electrochemistry/charge_conservation.h>
#include <anodeless/solvers/linear_solver.h>

#include <testing.h>

#include <cmath>

using namespace anodeless;
using namespace anodeless::testing;
using namespace dealii;

namespace
{
  constexpr double sigma = 1.3, kappa = 0.7;
  constexpr double amplitude = 2.0, beta = 1.5, ocp = 1.9;

  // Band of a point: 0 electronic, 1 mixed, 2 ionic.
  template <int dim>
  unsigned int
  band(const Point<dim> &p)
  {
    return p[dim - 1] < 1.0 / 3 ? 0 : (p[dim - 1] < 2.0 / 3 ? 1 : 2);
  }

  // Exact fields and their derivatives.
  template <int dim>
  struct Exact
  {
    static double
    lateral(const Point<dim> &p)
    {
      double v = 1;
      for (unsigned int d = 0; d + 1 < dim; ++d)
        v *= std::cos(M_PI * p[d]);
      return v;
    }

    static double
    phi_s(const Point<dim> &p)
    {
      const double y = p[dim - 1];
      return 2.0 + lateral(p) * (1 + y * y);
    }

    static Tensor<1, dim>
    grad_phi_s(const Point<dim> &p)
    {
      const double   y = p[dim - 1];
      Tensor<1, dim> g;
      for (unsigned int d = 0; d + 1 < dim; ++d)
        g[d] = -M_PI * std::tan(M_PI * p[d]) * lateral(p) * (1 + y * y);
      g[dim - 1] = lateral(p) * 2 * y;
      return g;
    }

    static double
    laplace_phi_s(const Point<dim> &p)
    {
      const double y = p[dim - 1];
      return -(dim - 1) * M_PI * M_PI * lateral(p) * (1 + y * y) +
             2 * lateral(p);
    }

    static double
    phi_e(const Point<dim> &p)
    {
      const double y = p[dim - 1];
      return 0.1 + 0.5 * lateral(p) * y + 0.25 * y * y;
    }

    static Tensor<1, dim>
    grad_phi_e(const Point<dim> &p)
    {
      const double   y = p[dim - 1];
      Tensor<1, dim> g;
      for (unsigned int d = 0; d + 1 < dim; ++d)
        g[d] = -M_PI * std::tan(M_PI * p[d]) * 0.5 * lateral(p) * y;
      g[dim - 1] = 0.5 * lateral(p) + 0.5 * y;
      return g;
    }

    static double
    laplace_phi_e(const Point<dim> &p)
    {
      const double y = p[dim - 1];
      return -(dim - 1) * M_PI * M_PI * 0.5 * lateral(p) * y + 0.5;
    }

    static double
    reaction(const double delta_phi)
    {
      return amplitude * std::sinh(beta * (delta_phi - ocp));
    }

    static double
    reaction_derivative(const double delta_phi)
    {
      return amplitude * beta * std::cosh(beta * (delta_phi - ocp));
    }
  };

  template <int dim>
  class ExactFunction : public Function<dim>
  {
  public:
    ExactFunction()
      : Function<dim>(2)
    {
    }
    double
    value(const Point<dim> &p, const unsigned int component) const override
    {
      return component == 0 ? Exact<dim>::phi_s(p) : Exact<dim>::phi_e(p);
    }
  };

  struct Errors
  {
    double l2 = 0, h1 = 0, h = 0;
  };

  template <int dim>
  Errors
  solve(const unsigned int refinements)
  {
    const MPI_Comm                            comm = MPI_COMM_WORLD;
    parallel::distributed::Triangulation<dim> tria(comm);
    GridGenerator::subdivided_hyper_cube(tria, 3);
    tria.refine_global(refinements);

    hp::FECollection<dim> fe;
    fe.push_back(FESystem<dim>(FE_Q<dim>(1), 1, FE_Nothing<dim>(), 1));
    fe.push_back(FESystem<dim>(FE_Q<dim>(1), 1, FE_Q<dim>(1), 1));
    fe.push_back(FESystem<dim>(FE_Nothing<dim>(), 1, FE_Q<dim>(1), 1));
    hp::QCollection<dim>     quadrature(QGauss<dim>(2),
                                    QGauss<dim>(2),
                                    QGauss<dim>(2));
    hp::QCollection<dim - 1> face_quadrature(QGauss<dim - 1>(2),
                                             QGauss<dim - 1>(2),
                                             QGauss<dim - 1>(2));
    DoFHandler<dim>          dofs(tria);
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned())
        cell->set_active_fe_index(band(cell->center()));
    dofs.distribute_dofs(fe);
    const IndexSet owned    = dofs.locally_owned_dofs();
    const IndexSet relevant = DoFTools::extract_locally_relevant_dofs(dofs);

    // Dirichlet data on the outer boundary of each field's domain; the
    // band interfaces where a field ends carry its exact flux instead.
    AffineConstraints<double> exact_values(relevant), zero(relevant);
    VectorTools::interpolate_boundary_values(dofs,
                                             0,
                                             ExactFunction<dim>(),
                                             exact_values);
    VectorTools::interpolate_boundary_values(dofs,
                                             0,
                                             Functions::ZeroFunction<dim>(2),
                                             zero);
    exact_values.close();
    zero.close();

    DynamicSparsityPattern dsp(relevant);
    DoFTools::make_sparsity_pattern(dofs, dsp, zero, true);
    SparsityTools::distribute_sparsity_pattern(dsp, owned, comm, relevant);
    LA::MPI::SparseMatrix jacobian;
    jacobian.reinit(owned, owned, dsp, comm);
    LA::MPI::Vector solution(owned, comm), ghosted(owned, relevant, comm),
      residual(owned, comm), update(owned, comm);
    exact_values.distribute(solution);

    hp::FEValues<dim>                hp_values(fe,
                                quadrature,
                                update_values | update_gradients |
                                  update_quadrature_points | update_JxW_values);
    hp::FEFaceValues<dim>            hp_face(fe,
                                  face_quadrature,
                                  update_values | update_quadrature_points |
                                    update_JxW_values);
    const FEValuesExtractors::Scalar s(0), e(1);

    const auto assemble = [&]() {
      ghosted  = solution;
      jacobian = 0;
      residual = 0;
      FullMatrix<double>                   matrix;
      Vector<double>                       local;
      std::vector<types::global_dof_index> indices;
      std::vector<unsigned int>            component;
      for (const auto &cell : dofs.active_cell_iterators())
        if (cell->is_locally_owned())
          {
            hp_values.reinit(cell);
            const auto        &v  = hp_values.get_present_fe_values();
            const unsigned int n  = v.dofs_per_cell;
            const unsigned int nq = v.n_quadrature_points;
            const unsigned int b  = band(cell->center());
            matrix.reinit(n, n);
            local.reinit(n);
            component.resize(n);
            for (unsigned int i = 0; i < n; ++i)
              component[i] = v.get_fe().system_to_component_index(i).first;
            std::vector<double>         sv(nq, 0.0), ev(nq, 0.0);
            std::vector<Tensor<1, dim>> sg(nq), eg(nq);
            if (b < 2)
              {
                v[s].get_function_values(ghosted, sv);
                v[s].get_function_gradients(ghosted, sg);
              }
            if (b > 0)
              {
                v[e].get_function_values(ghosted, ev);
                v[e].get_function_gradients(ghosted, eg);
              }
            for (unsigned int q = 0; q < nq; ++q)
              {
                const auto  &x    = v.quadrature_point(q);
                const double dphi = sv[q] - ev[q];
                const double aj   = b == 1 ? Exact<dim>::reaction(dphi) : 0;
                const double daj =
                  b == 1 ? Exact<dim>::reaction_derivative(dphi) : 0;
                add_charge_conservation(v,
                                        q,
                                        component,
                                        sg[q],
                                        eg[q],
                                        sigma,
                                        kappa,
                                        aj,
                                        daj,
                                        true,
                                        matrix,
                                        local);
                // Sources: f_s = -sigma lap phi_s + aj(exact),
                // f_e = -kappa lap phi_e - aj(exact).
                const double exact_aj =
                  b == 1 ? Exact<dim>::reaction(Exact<dim>::phi_s(x) -
                                                Exact<dim>::phi_e(x)) :
                           0;
                const double fs =
                  -sigma * Exact<dim>::laplace_phi_s(x) + exact_aj;
                const double fe =
                  -kappa * Exact<dim>::laplace_phi_e(x) - exact_aj;
                for (unsigned int i = 0; i < n; ++i)
                  local(i) -= v.JxW(q) * v.shape_value(i, q) *
                              (component[i] == 0 ? fs : fe);
              }
            // Exact flux where a field's domain ends inside the mesh.
            for (const unsigned int f : cell->face_indices())
              {
                if (cell->at_boundary(f))
                  continue;
                const unsigned int other  = band(cell->neighbor(f)->center());
                const bool         s_ends = b == 1 && other == 2;
                const bool         e_ends = b == 1 && other == 0;
                if (!s_ends && !e_ends)
                  continue;
                hp_face.reinit(cell, f);
                const auto    &fv = hp_face.get_present_fe_values();
                Tensor<1, dim> normal;
                normal[dim - 1] = s_ends ? 1.0 : -1.0;
                for (unsigned int q = 0; q < fv.n_quadrature_points; ++q)
                  {
                    const auto  &x = fv.quadrature_point(q);
                    const double flux =
                      s_ends ? sigma * (Exact<dim>::grad_phi_s(x) * normal) :
                               kappa * (Exact<dim>::grad_phi_e(x) * normal);
                    for (unsigned int i = 0; i < n; ++i)
                      if (component[i] == (s_ends ? 0u : 1u))
                        local(i) -= fv.JxW(q) * flux * fv.shape_value(i, q);
                  }
              }
            indices.resize(n);
            cell->get_dof_indices(indices);
            zero.distribute_local_to_global(matrix,
                                            local,
                                            indices,
                                            jacobian,
                                            residual);
          }
      jacobian.compress(VectorOperation::add);
      residual.compress(VectorOperation::add);
    };

    LinearSolverOptions options;
    options.direct = true;
    for (unsigned int it = 0; it < 20; ++it)
      {
        assemble();
        if (residual.l2_norm() < 1e-12)
          break;
        residual *= -1.0;
        update = 0;
        solve_spd(jacobian, update, residual, options);
        zero.distribute(update);
        solution += update;
        check(it < 19, "Newton converged");
      }

    // Errors over each field's domain, with a finer quadrature.
    ghosted = solution;
    hp::QCollection<dim> fine(QGauss<dim>(4), QGauss<dim>(4), QGauss<dim>(4));
    hp::FEValues<dim>    hp_error(fe,
                               fine,
                               update_values | update_gradients |
                                 update_quadrature_points | update_JxW_values);
    Errors               errors;
    for (const auto &cell : dofs.active_cell_iterators())
      if (cell->is_locally_owned())
        {
          hp_error.reinit(cell);
          const auto                 &v  = hp_error.get_present_fe_values();
          const unsigned int          nq = v.n_quadrature_points;
          const unsigned int          b  = band(cell->center());
          std::vector<double>         sv(nq), ev(nq);
          std::vector<Tensor<1, dim>> sg(nq), eg(nq);
          if (b < 2)
            {
              v[s].get_function_values(ghosted, sv);
              v[s].get_function_gradients(ghosted, sg);
            }
          if (b > 0)
            {
              v[e].get_function_values(ghosted, ev);
              v[e].get_function_gradients(ghosted, eg);
            }
          for (unsigned int q = 0; q < nq; ++q)
            {
              const auto &x = v.quadrature_point(q);
              if (b < 2)
                {
                  errors.l2 +=
                    v.JxW(q) * std::pow(sv[q] - Exact<dim>::phi_s(x), 2);
                  errors.h1 +=
                    v.JxW(q) *
                    (sg[q] - Exact<dim>::grad_phi_s(x)).norm_square();
                }
              if (b > 0)
                {
                  errors.l2 +=
                    v.JxW(q) * std::pow(ev[q] - Exact<dim>::phi_e(x), 2);
                  errors.h1 +=
                    v.JxW(q) *
                    (eg[q] - Exact<dim>::grad_phi_e(x)).norm_square();
                }
            }
        }
    errors.l2 = std::sqrt(Utilities::MPI::sum(errors.l2, comm));
    errors.h1 = std::sqrt(Utilities::MPI::sum(errors.h1, comm));
    errors.h  = 1.0 / (3 << refinements);
    log() << dim << "D h = " << errors.h << ": L2 " << errors.l2 << ", H1 "
          << errors.h1 << " (" << dofs.n_dofs() << " unknowns)\n";
    return errors;
  }

  template <int dim>
  void
  check_rates(const unsigned int levels)
  {
    std::vector<Errors> e;
    for (unsigned int r = 0; r < levels; ++r)
      e.push_back(solve<dim>(r + (dim == 2 ? 1 : 0)));
    for (unsigned int k = 1; k < e.size(); ++k)
      {
        const double l2 = rate(e[k - 1].l2, e[k].l2, 2.0);
        const double h1 = rate(e[k - 1].h1, e[k].h1, 2.0);
        log() << "rates: L2 " << l2 << ", H1 " << h1 << "\n";
        if (k + 1 == e.size())
          {
            check(l2 > 1.9, "L2 rate " + describe(l2));
            check(h1 > 0.95, "H1 rate " + describe(h1));
          }
      }
  }
} // namespace

ANODELESS_TEST(manufactured_solution_2d)
{
  check_rates<2>(5);
}

ANODELESS_TEST(manufactured_solution_3d)
{
  check_rates<3>(3);
}

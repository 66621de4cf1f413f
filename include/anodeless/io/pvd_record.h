#pragma once

#include <string>
#include <utility>
#include <vector>

namespace anodeless
{
  /**
   * @brief The list of (time, .pvtu file) pairs of a run, written as a
   * ParaView .pvd collection. Part of the run state (checkpointed), not a
   * static.
   */
  class PvdRecord
  {
  public:
    void
    add(double time, const std::string &pvtu_file);

    /// Write the collection to @p path (call on one rank).
    void
    write(const std::string &path) const;

    const std::vector<std::pair<double, std::string>> &
    entries() const
    {
      return records;
    }

    template <class Archive>
    void
    serialize(Archive &archive, const unsigned int)
    {
      archive &records;
    }

  private:
    std::vector<std::pair<double, std::string>> records;
  };
} // namespace anodeless

#pragma once

#include <string>
#include <utility>
#include <vector>

namespace anodeless
{
  /**
   * @brief A small JSON value (null, bool, number, string, array, object)
   * that keeps the order of object keys, for run summaries.
   */
  class Json
  {
  public:
    Json() = default;
    Json(double number);
    Json(int number);
    Json(unsigned int number);
    Json(bool flag);
    Json(const char *text);
    Json(const std::string &text);

    static Json
    array();
    static Json
    object();

    /// Object member (created if missing).
    Json &
    operator[](const std::string &key);

    /// Append to an array.
    void
    push_back(const Json &value);

    /// Serialize with indentation; non-finite numbers become null.
    std::string
    dump(unsigned int indent = 2) const;

    /// For checkpoints (boost serialization; the caller includes the
    /// headers for std::string, std::vector and std::pair).
    template <class Archive>
    void
    serialize(Archive &archive, const unsigned int)
    {
      archive &kind &flag &number &text &items &members;
    }

  private:
    enum class Kind
    {
      null,
      boolean,
      number,
      string,
      array,
      object
    };
    Kind                                      kind   = Kind::null;
    bool                                      flag   = false;
    double                                    number = 0;
    std::string                               text;
    std::vector<Json>                         items;
    std::vector<std::pair<std::string, Json>> members;

    void
    write(std::string &out, unsigned int indent, unsigned int level) const;
  };

  /// Write @p contents to @p path through a temporary file and a rename, so
  /// the file is never seen half-written.
  void
  write_file_atomically(const std::string &path, const std::string &contents);
} // namespace anodeless

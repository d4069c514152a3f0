#include "services/scoring/core/test_support.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/scales.h"

namespace lagom::scoring::testing {
namespace {

bool Same(const type::ResponseGroup& a, const type::ResponseGroup& b) {
  return a.kind() == b.kind() && a.customer_organization() == b.customer_organization();
}

template <typename T, typename Match>
const T* Find(const google::protobuf::RepeatedPtrField<T>& list, Match match) {
  auto it = std::find_if(list.begin(), list.end(), match);
  return it == list.end() ? nullptr : &*it;
}

double Pick(const ScaleInfo& scale, std::mt19937& random) {
  return scale.values[std::uniform_int_distribution<int>(0, scale.size - 1)(random)];
}

// One kind of item per position in a mixed area, so every area has a bit of everything.
void AddMixedItem(qapi::Area& area, int j, std::mt19937& random) {
  const double weights[] = {0, 0.5, 1, 1.5, 2};
  const double weight = weights[std::uniform_int_distribution<int>(0, 4)(random)];
  const std::string id = absl::StrCat(area.id(), ".i", j);
  const auto dimension = static_cast<qapi::ServqualDimension>(1 + j % 5);
  switch (j % 6) {
    case 0: {
      AddPair(area, id, weight);
      const int n = area.items_size();
      area.mutable_items(n - 2)->set_process_attribute(qapi::PROCESS_ATTRIBUTE_PA_1_1);
      area.mutable_items(n - 1)->set_servqual_dimension(dimension);
      area.mutable_items(n - 1)->set_servqual_aspect(qapi::SERVQUAL_ASPECT_PERCEPTION);
      break;
    }
    case 1: {
      qapi::Item& item =
          AddItem(area, id, qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_MATURITY_0_5, weight);
      item.set_process_attribute(
          static_cast<qapi::ProcessAttribute>(std::uniform_int_distribution<int>(1, 5)(random)));
      item.set_na_allowed(true);
      break;
    }
    case 2: {
      qapi::Item& item =
          AddItem(area, id, qapi::ITEM_PERSPECTIVE_CUSTOMER, qapi::SCALE_LIKERT_5, weight);
      item.set_servqual_dimension(dimension);
      item.set_servqual_aspect(qapi::SERVQUAL_ASPECT_BOTH);
      break;
    }
    case 3:
      AddItem(area, id, qapi::ITEM_PERSPECTIVE_BOTH, qapi::SCALE_YES_NO, weight)
          .set_na_allowed(true);
      break;
    case 4: {
      qapi::Item& item =
          AddItem(area, id, qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_SAMM_4, weight);
      item.mutable_samm_position()->set_level(1 + j % 3);
      item.mutable_samm_position()->set_stream(j % 2 == 0 ? "A" : "B");
      break;
    }
    default: {
      qapi::Item& item =
          AddItem(area, id, qapi::ITEM_PERSPECTIVE_CUSTOMER, qapi::SCALE_LIKERT_5, weight);
      item.set_servqual_dimension(dimension);
      item.set_servqual_aspect(qapi::SERVQUAL_ASPECT_EXPECTATION);
      item.set_na_allowed(true);
    }
  }
}

void AddSammItem(qapi::Area& area, int j) {
  qapi::Item& item = AddItem(area, absl::StrCat(area.id(), ".s", j),
                             qapi::ITEM_PERSPECTIVE_PROVIDER, qapi::SCALE_SAMM_4);
  item.mutable_samm_position()->set_level(1 + j % 3);
  item.mutable_samm_position()->set_stream(j / 3 % 2 == 0 ? "A" : "B");
  item.set_na_allowed(j % 4 == 0);
}

ScoringAnswer AnswerOf(type::Perspective perspective, const std::string& respondent,
                       const std::string& organization, const std::string& item,
                       std::optional<double> value, std::optional<double> expectation, int round) {
  ScoringAnswer answer;
  answer.respondent_id = respondent;
  answer.perspective = perspective;
  answer.customer_organization = organization;
  answer.item_id = item;
  answer.value = value;
  answer.expectation_value = expectation;
  answer.round = round;
  return answer;
}

}  // namespace

qapi::Area& AddArea(qapi::ModelContent& model, const std::string& id, double target) {
  qapi::Area& area = *model.add_areas();
  area.set_id(id);
  area.set_kind(qapi::AREA_KIND_OTHER);
  area.set_default_target_score(target);
  (*area.mutable_title()->mutable_translations())["en"] = id;
  return area;
}

qapi::Item& AddItem(qapi::Area& area, const std::string& id, qapi::ItemPerspective perspective,
                    qapi::Scale scale, double weight) {
  qapi::Item& item = *area.add_items();
  item.set_id(id);
  item.set_perspective(perspective);
  item.set_scale(scale);
  item.set_weight(weight);
  (*item.mutable_text()->mutable_translations())["en"] = absl::StrCat("Text of ", id);
  (*item.mutable_text()->mutable_translations())["sv"] = absl::StrCat("Text för ", id);
  return item;
}

void AddPair(qapi::Area& area, const std::string& pair_id, double weight) {
  AddItem(area, absl::StrCat(pair_id, ".provider"), qapi::ITEM_PERSPECTIVE_PROVIDER,
          qapi::SCALE_MATURITY_0_5, weight)
      .set_pair_id(pair_id);
  AddItem(area, absl::StrCat(pair_id, ".customer"), qapi::ITEM_PERSPECTIVE_CUSTOMER,
          qapi::SCALE_LIKERT_5, weight)
      .set_pair_id(pair_id);
}

ScoringAnswer Provider(const std::string& respondent, const std::string& item,
                       std::optional<double> value, int round) {
  return AnswerOf(type::PERSPECTIVE_PROVIDER, respondent, "", item, value, std::nullopt, round);
}

ScoringAnswer Customer(const std::string& respondent, const std::string& organization,
                       const std::string& item, std::optional<double> value,
                       std::optional<double> expectation, int round) {
  return AnswerOf(type::PERSPECTIVE_CUSTOMER, respondent, organization, item, value, expectation,
                  round);
}

bool Answers(const ScoringAnswer& who, const qapi::Item& item) {
  const bool provider = who.perspective == type::PERSPECTIVE_PROVIDER;
  return item.perspective() == qapi::ITEM_PERSPECTIVE_BOTH ||
         item.perspective() ==
             (provider ? qapi::ITEM_PERSPECTIVE_PROVIDER : qapi::ITEM_PERSPECTIVE_CUSTOMER);
}

type::ResponseGroup Group(type::ResponseGroupKind kind, const std::string& organization) {
  type::ResponseGroup group;
  group.set_kind(kind);
  group.set_customer_organization(organization);
  return group;
}

const sapi::ItemScore* FindItem(const sapi::Scorecard& card, const std::string& item_id,
                                const type::ResponseGroup& group) {
  return Find(card.item_scores(), [&](const sapi::ItemScore& s) {
    return s.item_id() == item_id && Same(s.group(), group);
  });
}

const sapi::AreaScore* FindArea(const sapi::Scorecard& card, const std::string& area_id,
                                const type::ResponseGroup& group) {
  return Find(card.area_scores(), [&](const sapi::AreaScore& s) {
    return s.area_id() == area_id && Same(s.group(), group);
  });
}

const sapi::AreaGoodEnough* FindGoodEnough(const sapi::Scorecard& card, const std::string& area_id,
                                           const type::ResponseGroup& group) {
  return Find(card.good_enough(), [&](const sapi::AreaGoodEnough& s) {
    return s.area_id() == area_id && Same(s.group(), group);
  });
}

const sapi::PerceptionGap* FindGap(const sapi::Scorecard& card, sapi::GapSubjectKind kind,
                                   const std::string& subject_id,
                                   const type::ResponseGroup& customer_group) {
  return Find(card.perception_gaps(), [&](const sapi::PerceptionGap& g) {
    return g.subject_kind() == kind && g.subject_id() == subject_id &&
           Same(g.customer_group(), customer_group);
  });
}

const sapi::ServqualGap* FindServqual(const sapi::Scorecard& card,
                                      qapi::ServqualDimension dimension, const std::string& item_id,
                                      const type::ResponseGroup& group) {
  return Find(card.servqual_gaps(), [&](const sapi::ServqualGap& g) {
    return g.dimension() == dimension && g.item_id() == item_id && Same(g.group(), group);
  });
}

const sapi::GroupCoverage* FindCoverage(const sapi::Scorecard& card,
                                        const type::ResponseGroup& group) {
  return Find(card.coverage().groups(),
              [&](const sapi::GroupCoverage& c) { return Same(c.group(), group); });
}

ScoringInput RandomInput(const RandomShape& shape, std::mt19937& random) {
  ScoringInput input;
  input.model.set_default_language_tag("en");
  for (int a = 0; a < shape.areas; ++a) {
    qapi::Area& area = AddArea(input.model, absl::StrCat("area", a), 0.3 + 0.1 * (a % 5));
    for (int j = 0; j < shape.items_per_area; ++j) {
      if (shape.all_both) {
        AddItem(area, absl::StrCat(area.id(), ".b", j), qapi::ITEM_PERSPECTIVE_BOTH,
                qapi::SCALE_MATURITY_0_5)
            .set_na_allowed(true);
      } else if (a % 4 == 3) {
        AddSammItem(area, j);
      } else {
        AddMixedItem(area, j, random);
      }
    }
  }
  std::bernoulli_distribution answers(shape.answer_probability);
  std::bernoulli_distribution na(shape.na_probability);
  std::bernoulli_distribution revote(shape.revote_probability);
  auto answer_all = [&](const ScoringAnswer& who) {
    for (const qapi::Area& area : input.model.areas()) {
      for (const qapi::Item& item : area.items()) {
        if (!Answers(who, item) || !answers(random)) continue;
        const ScaleInfo& scale = *ScaleOf(item.scale());
        const bool expectation = item.servqual_aspect() == qapi::SERVQUAL_ASPECT_BOTH;
        ScoringAnswer answer = who;
        answer.item_id = item.id();
        if (revote(random)) {
          answer.value = Pick(scale, random);
          if (expectation) answer.expectation_value = Pick(scale, random);
          input.answers.push_back(answer);
          answer.round = 1;
        }
        if (item.na_allowed() && na(random)) {
          answer.value.reset();
          answer.expectation_value.reset();
        } else {
          answer.value = Pick(scale, random);
          if (expectation) answer.expectation_value = Pick(scale, random);
        }
        input.answers.push_back(std::move(answer));
      }
    }
  };
  for (int p = 0; p < shape.providers; ++p) {
    answer_all(Provider(absl::StrCat("p", p), "", std::nullopt));
  }
  for (int c = 0; c < shape.customers; ++c) {
    answer_all(Customer(absl::StrCat("c", c), absl::StrCat("org-", c % shape.organizations), "",
                        std::nullopt));
  }
  return input;
}

}  // namespace lagom::scoring::testing

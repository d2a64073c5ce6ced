import { Alert, Card, Empty, Input, List, Pagination, Space, Spin, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError, type FacetField, type SearchResult } from '../api.js';
import { Highlighted } from '../highlight.js';
import { useLang } from '../i18n.js';
import type { MessageId } from '../messages.js';

const PAGE_SIZE = 10;
/** The API pages no deeper than this (a person refines the query instead). */
const MAX_OFFSET = 10_000;
const FILTERS: readonly FacetField[] = ['fonds', 'category', 'year', 'retention', 'openStatus'];
const FACET_LABEL: Record<FacetField, MessageId> = {
  fonds: 'search.facet.fonds',
  category: 'search.facet.category',
  year: 'search.facet.year',
  retention: 'search.facet.retention',
  openStatus: 'search.facet.openStatus',
  unitCode: 'search.facet.unitCode',
};

/**
 * 目录检索: the catalog as the viewer may see it (the public: open entries;
 * signed in: what the account may read — the server applies the rule). The
 * query and filters live in the address, so a search can be bookmarked.
 */
export function SearchPage() {
  const { t } = useLang();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const filter = (f: FacetField): string | undefined => params.get(f) ?? undefined;
  const key = params.toString();
  const empty = q === '' && FILTERS.every((f) => filter(f) === undefined);
  // The answer to the address it was asked for: a newer address makes it stale (loading).
  const [answer, setAnswer] = useState<{ key: string; result?: SearchResult; error?: string }>();

  useEffect(() => {
    if (empty) return;
    let current = true;
    const year = filter('year');
    const openStatus = filter('openStatus');
    api
      .search({
        q,
        limit: PAGE_SIZE,
        offset: Math.min(MAX_OFFSET, (page - 1) * PAGE_SIZE),
        fonds: filter('fonds'),
        category: filter('category'),
        retention: filter('retention'),
        openStatus: openStatus === 'open' || openStatus === 'controlled' ? openStatus : undefined,
        yearFrom: year === undefined ? undefined : Number(year),
        yearTo: year === undefined ? undefined : Number(year),
      })
      .then(
        (result) => current && setAnswer({ key, result }),
        (e: unknown) => current && setAnswer({ key, error: e instanceof ApiError ? e.message : String(e) }),
      );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the address is the whole state
  }, [key]);
  const loading = !empty && answer?.key !== key;
  // While the next page loads, the last one stays on screen under the spinner.
  const result = empty ? undefined : answer?.result;
  const error = empty || answer?.key !== key ? undefined : answer.error;

  const update = (changes: Record<string, string | undefined>): void => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next);
  };
  const facetValue = (field: FacetField, value: string): string =>
    field === 'openStatus' ? t(value === 'open' ? 'search.open' : 'search.controlled') : value;

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={2}>{t('search.title')}</Typography.Title>
      <Input.Search
        key={q}
        defaultValue={q}
        placeholder={t('search.placeholder')}
        enterButton={t('search.button')}
        size="large"
        allowClear
        aria-label={t('search.title')}
        onSearch={(value) => update({ q: value.trim() })}
      />
      <Typography.Text type="secondary">{t('search.hint')}</Typography.Text>
      {FILTERS.some((f) => filter(f) !== undefined) && (
        <Space wrap>
          {FILTERS.filter((f) => filter(f) !== undefined).map((f) => (
            <Tag key={f} closable color="processing" onClose={() => update({ [f]: undefined })}>
              {t(FACET_LABEL[f])}：{facetValue(f, filter(f)!)}
            </Tag>
          ))}
        </Space>
      )}
      {error !== undefined && <Alert type="error" showIcon message={error} />}
      <Spin spinning={loading}>
        {result === undefined ? null : result.total === 0 ? (
          <Empty description={t('search.nothing', { q: result.query })} />
        ) : (
          <div style={{ display: 'flex', gap: 24, alignItems: 'flex-start', flexWrap: 'wrap' }}>
            <div style={{ flex: '1 1 560px', minWidth: 0 }}>
              <Typography.Paragraph data-testid="search-total">
                {t(result.totalEstimated === true ? 'search.totalAbout' : 'search.total', {
                  total: result.total.toLocaleString(),
                })}
                {result.rankedWithin !== undefined && (
                  <Typography.Text type="secondary">
                    {' '}
                    {t('search.rankedWithin', { n: result.rankedWithin.toLocaleString() })}
                  </Typography.Text>
                )}
              </Typography.Paragraph>
              <List
                itemLayout="vertical"
                dataSource={[...result.hits]}
                renderItem={(hit) => (
                  <List.Item key={hit.id} data-testid="search-hit">
                    <List.Item.Meta
                      title={<Highlighted html={hit.titleHtml} />}
                      description={
                        <Space wrap size={4}>
                          {hit.archivalCode !== '' && <Tag>{hit.archivalCode}</Tag>}
                          {hit.year !== null && <span>{hit.year}</span>}
                          <Tag color={hit.openStatus === 'open' ? 'success' : 'warning'}>
                            {t(hit.openStatus === 'open' ? 'search.open' : 'search.controlled')}
                          </Tag>
                        </Space>
                      }
                    />
                    {hit.snippet !== '' && (
                      <Typography.Paragraph type="secondary">
                        <Highlighted html={hit.snippet} />
                      </Typography.Paragraph>
                    )}
                  </List.Item>
                )}
              />
              <Pagination
                current={page}
                pageSize={PAGE_SIZE}
                total={Math.min(result.total, MAX_OFFSET + PAGE_SIZE)}
                showSizeChanger={false}
                onChange={(p) => update({ page: String(p) })}
              />
            </div>
            {result.facets !== undefined && (
              <Card
                size="small"
                title={t(result.facetsApproximate === true ? 'search.facetsApproximate' : 'search.facets')}
                style={{ flex: '0 1 280px' }}
              >
                {FILTERS.filter((f) => (result.facets?.[f].length ?? 0) > 0 && filter(f) === undefined).map((f) => (
                  <div key={f} style={{ marginBottom: 12 }}>
                    <Typography.Text strong>{t(FACET_LABEL[f])}</Typography.Text>
                    <div>
                      {result.facets![f].slice(0, 8).map((v) => (
                        <Tag.CheckableTag key={v.value} checked={false} onChange={() => update({ [f]: v.value })}>
                          {facetValue(f, v.value)} ({v.count.toLocaleString()})
                        </Tag.CheckableTag>
                      ))}
                    </div>
                  </div>
                ))}
              </Card>
            )}
          </div>
        )}
      </Spin>
    </Space>
  );
}
